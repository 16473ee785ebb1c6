import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/** Nova's fault names by status: {"itemNotFound": {"code": 404, "message": "..."}}. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  422: 'unprocessableEntity',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export const novaFault: FaultFormatter = (err: ApiError) => ({
  [FAULT_NAMES[err.status] ?? 'computeFault']: { code: err.status, message: err.message },
});

/** Compute errors with stable codes; messages follow Nova's. */
export const computeErrors = {
  flavorNotFound: (id: string) =>
    new ApiError(404, 'compute.flavor_not_found', `Flavor ${id} could not be found.`),
  flavorExists: (name: string) =>
    new ApiError(409, 'compute.flavor_exists', `Flavor with name ${name} already exists.`),
  flavorIdExists: (id: string) =>
    new ApiError(409, 'compute.flavor_id_exists', `Flavor with ID ${id} already exists.`),
  extraSpecNotFound: (flavorId: string, key: string) =>
    new ApiError(
      404,
      'compute.flavor_extra_spec_not_found',
      `Flavor ${flavorId} has no extra specs with key ${key}.`,
    ),
  flavorAccessExists: (flavorId: string, projectId: string) =>
    new ApiError(
      409,
      'compute.flavor_access_exists',
      `Flavor access already exists for flavor ${flavorId} and project ${projectId} combination.`,
    ),
  flavorAccessNotFound: (flavorId: string, projectId: string) =>
    new ApiError(
      404,
      'compute.flavor_access_not_found',
      `Flavor access not found for ${flavorId} / ${projectId} combination.`,
    ),
  keypairNotFound: (name: string, userId: string) =>
    new ApiError(404, 'compute.keypair_not_found', `Keypair ${name} not found for user ${userId}`),
  keypairExists: (name: string) =>
    new ApiError(409, 'compute.keypair_exists', `Key pair '${name}' already exists.`),
  invalidKeypair: (reason: string) =>
    new ApiError(400, 'compute.invalid_keypair', `Keypair data is invalid: ${reason}`),
  keypairLimit: () =>
    new ApiError(403, 'compute.keypair_limit', 'Maximum number of key pairs exceeded'),
  serverGroupNotFound: (id: string) =>
    new ApiError(404, 'compute.server_group_not_found', `Instance group ${id} could not be found.`),
  serverGroupQuota: () =>
    new ApiError(403, 'compute.server_group_quota', 'Quota exceeded, too many server groups.'),
  markerNotFound: (marker: string) =>
    new ApiError(400, 'compute.marker_not_found', `Marker ${marker} could not be found.`),
  invalid: (message: string) => new ApiError(400, 'compute.invalid', message),
  conflict: (message: string) => new ApiError(409, 'compute.conflict', message),
  forbidden: (message: string) => new ApiError(403, 'compute.forbidden', message),
  notFound: (message: string) => new ApiError(404, 'compute.not_found', message),
};
