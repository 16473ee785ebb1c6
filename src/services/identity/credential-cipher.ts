import { createHash } from 'node:crypto';
import { encrypt, decrypt, type KeySource } from './token/index.ts';

/**
 * Credential blobs (EC2 secrets, TOTP seeds ...) are stored encrypted with their own key
 * repository, as Keystone does, so a database dump alone does not reveal them.
 */
export class CredentialCipher {
  constructor(private readonly keys: KeySource) {}

  /** Returns the ciphertext and a hash identifying the key that made it. */
  encrypt(blob: string): { encrypted: string; keyHash: string } {
    const primary = this.keys.current().primary;
    const encrypted = encrypt(Buffer.from(blob, 'utf8'), primary).toString('base64url');
    return { encrypted, keyHash: keyHash(primary.signingKey, primary.encryptionKey) };
  }

  decrypt(encrypted: string): string {
    return decrypt(Buffer.from(encrypted, 'base64url'), this.keys.current().all).plain.toString('utf8');
  }
}

function keyHash(signing: Buffer, encryption: Buffer): string {
  return createHash('sha1').update(signing).update(encryption).digest('hex');
}
