import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/**
 * Glance's fault body is webob's JSON error page: the explanation framed by webob's body
 * template, the full status line as `code`, and the reason phrase as `title`:
 * {"message": "No image found with ID x<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}
 */
export const glanceFault: FaultFormatter = (err) => {
  const title = WEBOB_REASONS[err.status] ?? err.title;
  return { message: `${err.message}<br /><br />\n\n\n`, code: `${err.status} ${title}`, title };
};

/** webob's reason phrases where they differ from Node's (which follow RFC 9110's newer names). */
const WEBOB_REASONS: Record<number, string> = {
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  416: 'Requested Range Not Satisfiable',
};

const e = (status: number, code: string) => (message: string, headers?: Record<string, string>) =>
  new ApiError(status, `image.${code}`, message, headers ? { headers } : {});

/** The image service's errors, each with a stable code. Messages follow Glance's. */
export const imageErrors = {
  badRequest: e(400, 'bad_request'),
  forbidden: e(403, 'forbidden'),
  notFound: e(404, 'not_found'),
  conflict: e(409, 'conflict'),
  gone: e(410, 'gone'),
  tooLarge: e(413, 'over_limit'),
  unsupportedMediaType: e(415, 'unsupported_media_type'),
  rangeNotSatisfiable: e(416, 'range_not_satisfiable'),
  unavailable: e(503, 'unavailable'),

  imageNotFound: (id: string) => new ApiError(404, 'image.image_not_found', `No image found with ID ${id}`),
  readOnly: (attr: string) => new ApiError(403, 'image.read_only', `Attribute '${attr}' is read-only.`),
  reserved: (attr: string) => new ApiError(403, 'image.reserved', `Attribute '${attr}' is reserved.`),
  notOwner: () => new ApiError(403, 'image.not_owner', 'You do not own this image'),
  invalidTransition: (from: string, to: string) =>
    new ApiError(409, 'image.invalid_status_transition', `Image status transition from ${from} to ${to} is not allowed`),
  schemaMismatch: (schema: string, reason: string) =>
    new ApiError(400, 'image.schema_mismatch', `Provided object does not match schema '${schema}': ${reason}`),
  namespaceNotFound: (name: string) => new ApiError(404, 'image.namespace_not_found', `Namespace ${name} not found`),
};
