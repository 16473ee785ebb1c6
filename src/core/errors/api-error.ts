import { STATUS_CODES } from 'node:http';

/**
 * A failure a client can be told about. Services raise these with a stable `code` from
 * their own errors.ts; the HTTP layer turns them into the service's fault body. Anything
 * thrown that is not an ApiError is logged and answered as a 500.
 */
export class ApiError extends Error {
  readonly status: number;
  /** Stable machine-readable code, e.g. `identity.user_not_found`. */
  readonly code: string;
  readonly retryable: boolean;
  /** Extra response headers (WWW-Authenticate, Retry-After, Location). */
  readonly headers: Readonly<Record<string, string>>;
  /** Service-specific extras a fault formatter may include (Neutron's `detail`). */
  readonly detail: string;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { retryable?: boolean; headers?: Record<string, string>; detail?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryable = opts.retryable ?? status === 503;
    this.headers = opts.headers ?? {};
    this.detail = opts.detail ?? '';
  }

  /** The HTTP reason phrase, used as the `title` of Keystone-style faults. */
  get title(): string {
    return STATUS_CODES[this.status] ?? 'Error';
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

// Generic errors every service raises in the same situations. Service catalogues build
// their specific ones on top of these with their own codes.
export const badRequest = (message: string, code = 'bad_request') =>
  new ApiError(400, code, message);
export const unauthorized = (message = 'The request you have made requires authentication.', code = 'unauthorized') =>
  new ApiError(401, code, message);
export const forbidden = (message = 'You are not authorized to perform the requested action.', code = 'forbidden') =>
  new ApiError(403, code, message);
export const notFound = (message: string, code = 'not_found') => new ApiError(404, code, message);
export const methodNotAllowed = (message = 'The method is not allowed for the requested URL.') =>
  new ApiError(405, 'method_not_allowed', message);
export const conflict = (message: string, code = 'conflict') => new ApiError(409, code, message);
export const payloadTooLarge = (message = 'Request body is too large.') =>
  new ApiError(413, 'payload_too_large', message);
export const unsupportedMediaType = (message: string) =>
  new ApiError(415, 'unsupported_media_type', message);
export const notImplemented = (message: string) => new ApiError(501, 'not_implemented', message);
