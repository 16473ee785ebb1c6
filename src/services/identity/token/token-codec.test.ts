import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidTokenError } from './errors.ts';
import { encrypt, generateFernetKey, parseFernetKey } from './fernet.ts';
import { rotateKeys, setupKeyRepository } from './key-repository.ts';
import { KeyRing } from './key-ring.ts';
import { newAuditId, type TokenPayload } from './payload.ts';
import { MAX_TOKEN_LENGTH, TokenCodec } from './token-codec.ts';

let root: string;
let dir: string;
let now: number;
let ring: KeyRing;
let codec: TokenCodec;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'strata-codec-'));
  dir = join(root, 'keys');
  setupKeyRepository(dir);
  now = 0;
  ring = new KeyRing(dir, { clock: () => now });
  codec = new TokenCodec(ring);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A project-scoped password token with Keystone-style uuid4().hex ids. */
const projectToken = (): TokenPayload => ({
  userId: '4b1d3b0f1a6c4f6e8f7a9b2c3d4e5f60',
  methods: ['password'],
  scope: { kind: 'project', projectId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  expiresAt: new Date('2031-05-06T07:08:09.123Z'),
  issuedAt: new Date('2031-05-06T06:08:09.123Z'),
  auditIds: [newAuditId()],
});

/** Makes the ring look at the directory again. */
const afterRotation = () => {
  rotateKeys(dir, 3);
  now += 1000;
};

describe('TokenCodec', () => {
  it('opens what it issued, with the issue time to the millisecond', () => {
    const payload = { ...projectToken(), issuedAt: new Date('2031-05-06T06:08:09.999Z') };
    const opened = codec.open(codec.issue(payload, payload.issuedAt));
    expect(opened.payload).toEqual(payload);
    expect(opened.issuedAt.getTime()).toBe(payload.issuedAt.getTime());
  });

  it('reports the payload’s issue time, not the whole-second Fernet timestamp', () => {
    // A revocation at .500 must tell the token issued at .400 from the one issued at .600.
    const second = Date.parse('2031-05-06T06:08:09Z');
    for (const ms of [400, 600]) {
      const payload = { ...projectToken(), issuedAt: new Date(second + ms) };
      const fernetNow = new Date(second + 5000); // a different second altogether
      expect(codec.open(codec.issue(payload, fernetNow)).issuedAt.getTime()).toBe(second + ms);
    }
  });

  it('issues unpadded base64url, like Keystone', () => {
    const token = codec.issue(projectToken());
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('issues a 183-character project-scoped password token', () => {
    // version+timestamp+IV (25) + 80 bytes of ciphertext for the 66-byte payload + HMAC (32)
    // = 137 bytes; Keystone's equivalent is about 180. Payloads up to 79 bytes fit the same
    // 80 bytes of ciphertext.
    expect(codec.issue(projectToken())).toHaveLength(183);
  });

  it('does not check expiry: that is the caller’s job', () => {
    const payload = {
      ...projectToken(),
      expiresAt: new Date('2001-01-01T00:00:00Z'),
      issuedAt: new Date('2000-12-31T23:00:00Z'),
    };
    expect(codec.open(codec.issue(payload)).payload.expiresAt).toEqual(payload.expiresAt);
  });

  it('accepts the padded spelling Keystone clients may hold', () => {
    const token = codec.issue(projectToken());
    const padded = token + '='.repeat((4 - (token.length % 4)) % 4);
    expect(padded).not.toBe(token);
    expect(codec.open(padded).payload.userId).toBe(projectToken().userId);
  });

  it('refuses a token with any character changed', () => {
    const token = codec.issue(projectToken());
    for (let i = 0; i < token.length; i += 1) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const bad = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(() => codec.open(bad), `position ${i}`).toThrow(InvalidTokenError);
    }
  });

  it('refuses a token with any byte changed', () => {
    const raw = Buffer.from(codec.issue(projectToken()), 'base64url');
    for (let i = 0; i < raw.length; i += 1) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] ?? 0) ^ 0x80;
      expect(() => codec.open(bad.toString('base64url')), `byte ${i}`).toThrow(InvalidTokenError);
    }
  });

  it.each([
    ['empty', ''],
    ['spaces', 'abc def'],
    ['standard base64', 'ab+/'],
    [
      'the spec’s invalid base64 vector',
      '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==',
    ],
    ['a UUID token', '6a1b7c4e2f3d4e5f8a9b0c1d2e3f4a5b'],
    ['wrong padding', 'gAAAAA='],
  ])('refuses %s', (_name, token) => {
    expect(() => codec.open(token)).toThrow(InvalidTokenError);
  });

  it('refuses a non-canonical spelling of a valid token', () => {
    const token = codec.issue(projectToken());
    // 137 bytes leave 2 unused bits in the last character; setting one keeps the bytes.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
    expect(Buffer.from(twin, 'base64url').equals(Buffer.from(token, 'base64url'))).toBe(true);
    expect(() => codec.open(twin)).toThrow(InvalidTokenError);
  });

  it('refuses overlong input before decoding it', () => {
    expect(() => codec.open('A'.repeat(MAX_TOKEN_LENGTH + 1))).toThrow(
      expect.objectContaining({ reason: 'too_long' }),
    );
  });

  it('refuses a valid Fernet token from a key outside the repository', () => {
    const stranger = parseFernetKey(generateFernetKey());
    const token = encrypt(Buffer.from('anything'), stranger).toString('base64url');
    expect(() => codec.open(token)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
  });

  it('refuses a Fernet token from a repository key whose payload is not ours', () => {
    // e.g. a Keystone msgpack token when the repository is shared with Keystone.
    const token = encrypt(Buffer.from([0x96, 0x00]), ring.current().primary).toString('base64url');
    expect(() => codec.open(token)).toThrow(InvalidTokenError);
  });

  it('opens tokens of the old primary after one rotation, and no longer once its key is purged', () => {
    const old = codec.issue(projectToken());
    afterRotation(); // 1 becomes a secondary
    const newer = codec.issue(projectToken());
    expect(codec.open(old).payload.userId).toBe(projectToken().userId);
    expect(newer).not.toBe(old);
    afterRotation(); // max_active_keys 3: key 1 is purged
    expect(() => codec.open(old)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
    expect(codec.open(newer).payload.userId).toBe(projectToken().userId);
  });

  it('signs with the staged key only after it has been promoted', () => {
    const staged = ring.current().all.at(-1)!;
    const token = codec.issue(projectToken());
    expect(() =>
      new TokenCodec({ current: () => ({ primary: staged, all: [staged], indexes: [0] }) }).open(
        token,
      ),
    ).toThrow(InvalidTokenError);
    afterRotation();
    const promoted = codec.issue(projectToken());
    expect(
      new TokenCodec({ current: () => ({ primary: staged, all: [staged], indexes: [0] }) }).open(
        promoted,
      ).payload.userId,
    ).toBe(projectToken().userId);
  });
});
