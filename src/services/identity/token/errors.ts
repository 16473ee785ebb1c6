/**
 * Why a token was refused. Kept for logs and metrics only: the client is never told which
 * check failed, so a forger learns nothing from the answer.
 */
export type InvalidTokenReason =
  'too_long' | 'malformed' | 'unsupported_version' | 'bad_signature' | 'malformed_payload';

/**
 * A token that cannot be opened: malformed, tampered with, or signed by a key this
 * repository no longer (or never) held. Callers map it to 401 or 404.
 */
export class InvalidTokenError extends Error {
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, detail?: string) {
    super(
      detail === undefined ? `invalid token: ${reason}` : `invalid token: ${reason}: ${detail}`,
    );
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }
}

export function isInvalidTokenError(err: unknown): err is InvalidTokenError {
  return err instanceof InvalidTokenError;
}

/** The key repository is missing, empty, unreadable or holds a key that is not a Fernet key. */
export class KeyRepositoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyRepositoryError';
  }
}
