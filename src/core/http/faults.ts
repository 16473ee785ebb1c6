import { ApiError, isApiError } from '../errors/index.ts';

/** Shapes an ApiError into the service's own fault body (Keystone, Nova, Neutron ...). */
/** `requestId` is the request's id, for formats that carry it in the body (Placement). */
export type FaultFormatter = (err: ApiError, requestId?: string) => unknown;

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Turns anything thrown while answering a request into an ApiError: ours pass through;
 * client errors raised by the HTTP framework (bad JSON, body too large, wrong media type)
 * keep their 4xx status with a readable message; everything else is an internal error
 * whose details stay in the log, not in the response.
 */
export function toApiError(err: unknown): { error: ApiError; internal: boolean } {
  // A declared error, even a 5xx one (503 while a backend is down), is not an internal
  // failure: its message is meant for the client and the server logs it as a warning.
  if (isApiError(err)) return { error: err, internal: false };
  const fe = (err ?? {}) as FrameworkError;
  const status = fe.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return { error: new ApiError(413, 'payload_too_large', 'Request Entity Too Large: the request body is too large.'), internal: false };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return { error: new ApiError(415, 'unsupported_media_type', fe.message ?? 'Unsupported media type.'), internal: false };
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return { error: new ApiError(400, 'malformed_body', 'The request body is empty but its content type says JSON.'), internal: false };
      default:
        if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
          return { error: new ApiError(400, 'malformed_body', `Malformed JSON in request body: ${fe.message ?? ''}`.trim()), internal: false };
        }
        return { error: new ApiError(status, 'bad_request', fe.message ?? 'Bad request.'), internal: false };
    }
  }
  return {
    error: new ApiError(500, 'internal_error', 'An unexpected error prevented the server from fulfilling your request.'),
    internal: true,
  };
}
