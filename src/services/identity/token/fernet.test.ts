import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from './errors.ts';
import { decrypt, encrypt, generateFernetKey, parseFernetKey } from './fernet.ts';

// Test vectors published with the Fernet spec (github.com/fernet/spec: generate.json,
// verify.json, invalid.json). Tokens there are padded base64url.
const SECRET = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const VECTOR_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const VECTOR_NOW = new Date('1985-10-26T01:20:00-07:00');
const VECTOR_IV = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

const INVALID_VECTORS: { desc: string; token: string; reason: string }[] = [
  {
    desc: 'incorrect mac',
    token:
      'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==',
    reason: 'bad_signature',
  },
  {
    desc: 'too short',
    token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==',
    reason: 'malformed',
  },
  {
    desc: 'payload size not multiple of block size',
    token:
      'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm',
    reason: 'malformed',
  },
  {
    desc: 'payload padding error',
    token:
      'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==',
    reason: 'malformed',
  },
  {
    desc: 'incorrect IV (causes padding error)',
    token:
      'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==',
    reason: 'malformed',
  },
];
// The spec's other invalid vectors fail on a time-to-live or clock-skew check, which this
// module leaves to the caller (Keystone also seals its own expiry inside the payload); the
// "invalid base64" one is text-level and covered by token-codec.test.ts.
const TTL_VECTORS = {
  farFuture:
    'gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==',
  expired:
    'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==',
};

const fromB64 = (s: string) => Buffer.from(s, 'base64url');

describe('Fernet spec vectors', () => {
  const key = parseFernetKey(SECRET);

  it('generates the published token from the published key, time and IV', () => {
    const token = encrypt(Buffer.from('hello'), key, VECTOR_NOW, VECTOR_IV);
    expect(token.toString('base64url')).toBe(VECTOR_TOKEN.replace(/=+$/, ''));
  });

  it('verifies the published token', () => {
    const { plain, timestamp } = decrypt(fromB64(VECTOR_TOKEN), [key]);
    expect(plain.toString()).toBe('hello');
    expect(timestamp).toBe(VECTOR_NOW.getTime() / 1000);
  });

  it.each(INVALID_VECTORS)('rejects the invalid vector: $desc', ({ token, reason }) => {
    expect(() => decrypt(fromB64(token), [key])).toThrow(expect.objectContaining({ reason }));
  });

  it('returns the timestamp of the TTL vectors so the caller can judge their age', () => {
    // 1985-10-26T08:20:01Z, the vectors' "now", is 499162801.
    expect(decrypt(fromB64(TTL_VECTORS.expired), [key]).timestamp).toBe(499162801);
    expect(decrypt(fromB64(TTL_VECTORS.farFuture), [key]).timestamp).toBeGreaterThan(
      499162801 + 60,
    );
  });
});

describe('encrypt and decrypt', () => {
  const a = parseFernetKey(generateFernetKey());
  const b = parseFernetKey(generateFernetKey());

  it('round-trips messages of every padding length, including empty', () => {
    for (let n = 0; n <= 33; n += 1) {
      const plain = Buffer.alloc(n, n);
      expect(decrypt(encrypt(plain, a), [a]).plain.equals(plain)).toBe(true);
    }
  });

  it('uses a fresh IV for every token', () => {
    const plain = Buffer.from('same');
    expect(encrypt(plain, a).equals(encrypt(plain, a))).toBe(false);
  });

  it('tries each key in turn and refuses a token no key signed', () => {
    const token = encrypt(Buffer.from('x'), b);
    expect(decrypt(token, [a, b]).plain.toString()).toBe('x');
    expect(() => decrypt(token, [a])).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
    expect(() => decrypt(token, [])).toThrow(InvalidTokenError);
  });

  it('refuses a token with any single byte changed', () => {
    const token = encrypt(Buffer.from('tamper me, if you can'), a);
    for (let i = 0; i < token.length; i += 1) {
      const bad = Buffer.from(token);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(() => decrypt(bad, [a]), `byte ${i}`).toThrow(InvalidTokenError);
    }
  });

  it('refuses truncated and extended tokens', () => {
    const token = encrypt(Buffer.from('x'), a);
    expect(() => decrypt(token.subarray(0, token.length - 1), [a])).toThrow(InvalidTokenError);
    expect(() => decrypt(Buffer.concat([token, Buffer.alloc(16)]), [a])).toThrow(InvalidTokenError);
    expect(() => decrypt(Buffer.alloc(0), [a])).toThrow(InvalidTokenError);
  });

  it('refuses another version byte even when the HMAC is recomputed', () => {
    const token = encrypt(Buffer.from('x'), a);
    token[0] = 0x81;
    expect(() => decrypt(token, [a])).toThrow(
      expect.objectContaining({ reason: 'unsupported_version' }),
    );
  });

  it('refuses to stamp a time before 1970', () => {
    expect(() => encrypt(Buffer.from('x'), a, new Date(-1000))).toThrow(RangeError);
  });
});

describe('parseFernetKey', () => {
  it('reads a key file as keystone-manage writes it, or with a trailing newline', () => {
    const text = generateFernetKey();
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    const key = parseFernetKey(`${text}\n`);
    const raw = Buffer.from(text, 'base64url');
    expect(key.signingKey.equals(raw.subarray(0, 16))).toBe(true);
    expect(key.encryptionKey.equals(raw.subarray(16))).toBe(true);
  });

  it('accepts the standard base64 alphabet, as Python does', () => {
    const std = Buffer.alloc(32, 0xfb).toString('base64');
    expect(std).toContain('+');
    expect(parseFernetKey(std).signingKey.equals(Buffer.alloc(16, 0xfb))).toBe(true);
  });

  it.each([
    '',
    'short',
    Buffer.alloc(16).toString('base64url'),
    Buffer.alloc(33).toString('base64url'),
    `${'%'.repeat(43)}=`,
  ])('rejects %j', (text) => {
    expect(() => parseFernetKey(text)).toThrow(TypeError);
  });
});
