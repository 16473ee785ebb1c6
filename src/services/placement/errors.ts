import { STATUS_CODES } from 'node:http';
import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/** webob's explanation for each status, which Placement's error bodies start their detail with. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  401: 'This server could not verify that you are authorized to access the document you requested.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser.',
  409: 'There was a conflict when trying to complete your request.',
  415: 'The request media type is not supported by this server.',
};

/**
 * Placement's fault body (the API-WG errors guideline):
 * {"errors": [{"status": 404, "title": "Not Found", "detail": "...", "code": "placement.undefined_code", "request_id": "req-..."}]}
 * Codes other than Placement's own (placement.*) are reported as placement.undefined_code.
 */
export const placementFault: FaultFormatter = (err, requestId?: string) => {
  const explanation = EXPLANATIONS[err.status];
  const detail = explanation ? `${explanation}\n\n ${err.message}  ` : err.message;
  const fault: Record<string, unknown> = {
    status: err.status,
    title: STATUS_CODES[err.status] ?? err.title,
    detail,
    code: err.code.startsWith('placement.') ? err.code : 'placement.undefined_code',
  };
  if (requestId) fault.request_id = requestId;
  return { errors: [fault] };
};

const e = (status: number, code: string) => (message: string) => new ApiError(status, code, message);

/** Placement's error codes (placement/errors.py) and the generic ones, each a stable value. */
export const placementErrors = {
  badRequest: e(400, 'placement.undefined_code'),
  notFound: e(404, 'placement.undefined_code'),
  conflict: e(409, 'placement.undefined_code'),
  duplicateName: e(409, 'placement.duplicate_name'),
  concurrentUpdate: e(409, 'placement.concurrent_update'),
  inventoryInUse: e(409, 'placement.inventory.inuse'),
  providerInUse: e(409, 'placement.resource_provider.inuse'),
  cannotDeleteParent: e(409, 'placement.resource_provider.cannot_delete_parent'),
  providerNotFound: e(404, 'placement.resource_provider.not_found'),
  duplicateQueryParam: e(400, 'placement.query.duplicate_key'),
  badQueryValue: e(400, 'placement.query.bad_value'),
  missingQueryValue: e(400, 'placement.query.missing_value'),
};

export const providerGenerationConflict = () =>
  placementErrors.concurrentUpdate(
    'resource provider generation conflict. Please update the resource provider generation and try again.',
  );
