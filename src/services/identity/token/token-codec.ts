import { InvalidTokenError } from './errors.ts';
import { decrypt, encrypt } from './fernet.ts';
import type { KeySource } from './key-ring.ts';
import { decodePayload, encodePayload, type TokenPayload } from './payload.ts';

/** Longer input is refused before any decoding or cryptography is spent on it. */
export const MAX_TOKEN_LENGTH = 4096;

export interface OpenedToken {
  payload: TokenPayload;
  /**
   * When the token was issued, to the millisecond: the payload's issuedAt, not the Fernet
   * timestamp, which has whole seconds only and would blur the order of a token and a
   * revocation event in the same second.
   */
  issuedAt: Date;
}

// Padding is optional on input: Keystone strips it when issuing and restores it when
// validating, so clients may hold either spelling.
const TOKEN_TEXT = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Turns token payloads into the opaque strings clients send as X-Auth-Token and back.
 * Stateless: any replica holding the same key repository opens any replica's tokens.
 * Expiry and revocation are the caller's business.
 */
export class TokenCodec {
  constructor(private readonly keys: KeySource) {}

  /**
   * Seals `payload` with the primary key: unpadded base64url, as Keystone's tokens are.
   * `now` only sets the Fernet timestamp; the issue time callers see is `payload.issuedAt`.
   */
  issue(payload: TokenPayload, now: Date = new Date()): string {
    const token = encrypt(encodePayload(payload), this.keys.current().primary, now).toString(
      'base64url',
    );
    if (token.length > MAX_TOKEN_LENGTH) {
      // It could never be opened again; fail where the cause is visible.
      throw new RangeError(`token payload too large (${token.length} characters)`);
    }
    return token;
  }

  /** Throws InvalidTokenError for anything that was not issued by a key of the ring. */
  open(token: string): OpenedToken {
    if (typeof token !== 'string') throw new InvalidTokenError('malformed', 'not a string');
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too_long');
    if (!TOKEN_TEXT.test(token)) throw new InvalidTokenError('malformed', 'not base64url');
    const unpadded = token.replace(/=+$/, '');
    const raw = Buffer.from(unpadded, 'base64url');
    // One token, one spelling: refuses wrong padding and set unused bits in the last
    // character, which Node's decoder would silently ignore.
    if (raw.toString('base64url') !== unpadded || (token !== unpadded && token.length % 4 !== 0)) {
      throw new InvalidTokenError('malformed', 'not canonical base64url');
    }
    const payload = decodePayload(decrypt(raw, this.keys.current().all).plain);
    return { payload, issuedAt: payload.issuedAt };
  }
}
