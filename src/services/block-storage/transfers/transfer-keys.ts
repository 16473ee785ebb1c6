import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Lengths Cinder uses (volume_transfer_salt_length, volume_transfer_key_length). */
const SALT_LENGTH = 8;
const KEY_LENGTH = 16;

/** Hex only, so the recipient can type the key anywhere. */
function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

/** HMAC-SHA1 of the key under the salt, hex: the stored proof of the key (Cinder's crypt_hash). */
export function transferHash(salt: string, authKey: string): string {
  return createHmac('sha1', salt).update(authKey).digest('hex');
}

/** A fresh salt and auth key; only the hash is stored, the key is shown once. */
export function newTransferSecret(): { salt: string; authKey: string; cryptHash: string } {
  const salt = randomHex(SALT_LENGTH);
  const authKey = randomHex(KEY_LENGTH);
  return { salt, authKey, cryptHash: transferHash(salt, authKey) };
}

/** Whether `authKey` is the transfer's key, compared in constant time. */
export function authKeyMatches(salt: string, cryptHash: string, authKey: string): boolean {
  const given = Buffer.from(transferHash(salt, authKey), 'utf8');
  const stored = Buffer.from(cryptHash, 'utf8');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
