// Fernet tokens (https://github.com/fernet/spec, version 0x80): the same format and key
// encoding as Python's cryptography.fernet, which Keystone uses, so key repositories written
// by keystone-manage work here unchanged.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { InvalidTokenError } from './errors.ts';

export const FERNET_VERSION = 0x80;

const VERSION_LENGTH = 1;
const TIMESTAMP_LENGTH = 8;
const IV_LENGTH = 16;
const BLOCK_LENGTH = 16;
const HMAC_LENGTH = 32;
const HEADER_LENGTH = VERSION_LENGTH + TIMESTAMP_LENGTH + IV_LENGTH;
/** An empty message still pads to one full block. */
const MIN_TOKEN_LENGTH = HEADER_LENGTH + BLOCK_LENGTH + HMAC_LENGTH;

/** A 256-bit Fernet key split into its two halves. */
export interface FernetKey {
  /** First 16 bytes: the HMAC-SHA256 key. */
  readonly signingKey: Buffer;
  /** Last 16 bytes: the AES-128-CBC key. */
  readonly encryptionKey: Buffer;
}

export interface DecryptedFernet {
  plain: Buffer;
  /** Seconds since the Unix epoch at which the token was made. */
  timestamp: number;
}

// Python's urlsafe_b64decode also accepts the standard alphabet, so hand-made keys
// (`openssl rand -base64 32`) that Keystone accepts are accepted here too.
const KEY_TEXT = /^[A-Za-z0-9_\-+/]{43}=?$/;

/**
 * Parses a key as stored in a Keystone key file: base64url of 32 bytes. Surrounding
 * whitespace (an editor's or a Kubernetes secret's trailing newline) is ignored.
 */
export function parseFernetKey(text: string): FernetKey {
  const trimmed = text.trim();
  if (!KEY_TEXT.test(trimmed)) {
    throw new TypeError('a Fernet key is 32 bytes in urlsafe base64 (44 characters)');
  }
  const raw = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (raw.length !== 32) {
    throw new TypeError('a Fernet key is 32 bytes in urlsafe base64 (44 characters)');
  }
  return { signingKey: raw.subarray(0, 16), encryptionKey: raw.subarray(16, 32) };
}

/** A new random key in the text form Keystone writes to its key files (with `=` padding). */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Seals `plain` under `key`. `iv` is a parameter only so the published test vectors can be
 * reproduced; real callers leave it to the random default, as the spec requires an IV
 * unique to each token.
 */
export function encrypt(
  plain: Buffer,
  key: FernetKey,
  now: Date = new Date(),
  iv: Buffer = randomBytes(IV_LENGTH),
): Buffer {
  const seconds = Math.floor(now.getTime() / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError('Fernet timestamps are seconds since 1970 and cannot be negative');
  }
  if (iv.length !== IV_LENGTH) throw new RangeError('a Fernet IV is 16 bytes');

  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = FERNET_VERSION;
  header.writeBigUInt64BE(BigInt(seconds), VERSION_LENGTH);
  iv.copy(header, VERSION_LENGTH + TIMESTAMP_LENGTH);

  // Node's default auto-padding for CBC is PKCS#7, as the spec asks.
  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const signed = Buffer.concat([header, cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', key.signingKey).update(signed).digest();
  return Buffer.concat([signed, mac]);
}

/**
 * Opens a token with the first of `keys` whose HMAC matches (Keystone's MultiFernet order:
 * primary, then secondaries, then staged). The HMAC is checked in constant time before
 * anything is decrypted. Age is not checked: the payload carries its own expiry.
 */
export function decrypt(token: Buffer, keys: readonly FernetKey[]): DecryptedFernet {
  if (
    token.length < MIN_TOKEN_LENGTH ||
    (token.length - HEADER_LENGTH - HMAC_LENGTH) % BLOCK_LENGTH !== 0
  ) {
    throw new InvalidTokenError('malformed', 'wrong length for a Fernet token');
  }
  if (token[0] !== FERNET_VERSION) throw new InvalidTokenError('unsupported_version');

  const signed = token.subarray(0, token.length - HMAC_LENGTH);
  const mac = token.subarray(token.length - HMAC_LENGTH);
  const key = keys.find((candidate) =>
    timingSafeEqual(createHmac('sha256', candidate.signingKey).update(signed).digest(), mac),
  );
  if (key === undefined) throw new InvalidTokenError('bad_signature');

  const iv = signed.subarray(VERSION_LENGTH + TIMESTAMP_LENGTH, HEADER_LENGTH);
  const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, iv);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(signed.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch {
    // Only reachable with a valid HMAC, i.e. a token sealed with bad padding by the key holder.
    throw new InvalidTokenError('malformed', 'bad padding');
  }

  const timestamp = signed.readBigUInt64BE(VERSION_LENGTH);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidTokenError('malformed', 'timestamp out of range');
  }
  return { plain, timestamp: Number(timestamp) };
}
