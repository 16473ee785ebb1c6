import { createHash, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** A public key that does not parse; Nova answers "Keypair data is invalid: failed to generate fingerprint". */
export class InvalidPublicKey extends Error {}

/** Colon-separated lower-case hex, the way Nova prints fingerprints. */
export function colonHex(digest: Buffer): string {
  return digest.toString('hex').replace(/(..)(?!$)/g, '$1:');
}

/** Reads the SSH wire format: length-prefixed strings until the blob is used up. */
function readStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new InvalidPublicKey('truncated key');
    const len = blob.readUInt32BE(at);
    at += 4;
    if (at + len > blob.length) throw new InvalidPublicKey('truncated key');
    out.push(blob.subarray(at, at + len));
    at += len;
  }
  return out;
}

const FIELD_COUNTS: Record<string, number> = {
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ssh-ed25519': 2,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
};

const unsigned = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);

/**
 * Checks an OpenSSH public key line (`ssh-rsa AAAA... comment`) and returns its MD5
 * fingerprint as Nova shows it. The blob must be well formed for its type, and RSA
 * keys must be loadable as keys, as the cryptography library Nova uses requires.
 */
export function sshFingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const [type, data] = parts;
  if (!type || !data || FIELD_COUNTS[type] === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    throw new InvalidPublicKey('not an OpenSSH public key');
  }
  const blob = Buffer.from(data, 'base64');
  const fields = readStrings(blob);
  if (fields.length !== FIELD_COUNTS[type] || fields[0]!.toString('latin1') !== type) {
    throw new InvalidPublicKey('malformed key blob');
  }
  if (type === 'ssh-rsa') {
    const [, e, n] = fields as [Buffer, Buffer, Buffer];
    try {
      createPublicKey({
        key: {
          kty: 'RSA',
          e: unsigned(e).toString('base64url'),
          n: unsigned(n).toString('base64url'),
        },
        format: 'jwk',
      });
    } catch {
      throw new InvalidPublicKey('not a valid RSA key');
    }
    if (unsigned(n).length * 8 < 512) throw new InvalidPublicKey('RSA key too short');
  } else if (type === 'ssh-ed25519' && fields[1]!.length !== 32) {
    throw new InvalidPublicKey('bad ed25519 key length');
  }
  return colonHex(createHash('md5').update(blob).digest());
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An mpint: big-endian, with a leading zero byte when the top bit is set. */
function mpint(b: Buffer): Buffer {
  return sshString(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/**
 * A new RSA keypair as Nova generates one: 2048 bits, the private key in PEM (PKCS#1),
 * the public key as an OpenSSH line.
 */
export async function generateSshKeypair(): Promise<{
  publicKey: string;
  privateKey: string;
  fingerprint: string;
}> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  const line = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`;
  return { publicKey: line, privateKey, fingerprint: sshFingerprint(line) };
}
