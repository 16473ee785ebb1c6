import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/** Cinder's fault names by status: {"itemNotFound": {"code": 404, "message": "..."}}. */
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
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export const cinderFault: FaultFormatter = (err: ApiError) => ({
  [FAULT_NAMES[err.status] ?? 'computeFault']: { code: err.status, message: err.message },
});

const nf = (kind: string, code: string) => (id: string) => new ApiError(404, code, `${kind} ${id} could not be found.`);

/** Block storage errors with stable codes; messages follow Cinder's. */
export const blockStorageErrors = {
  volumeNotFound: nf('Volume', 'block_storage.volume_not_found'),
  snapshotNotFound: nf('Snapshot', 'block_storage.snapshot_not_found'),
  backupNotFound: nf('Backup', 'block_storage.backup_not_found'),
  volumeTypeNotFound: nf('Volume type', 'block_storage.volume_type_not_found'),
  qosSpecsNotFound: nf('QoS Specs', 'block_storage.qos_specs_not_found'),
  attachmentNotFound: nf('Volume attachment', 'block_storage.attachment_not_found'),
  transferNotFound: nf('Transfer', 'block_storage.transfer_not_found'),
  groupNotFound: nf('Group', 'block_storage.group_not_found'),
  groupTypeNotFound: nf('Group type', 'block_storage.group_type_not_found'),
  groupSnapshotNotFound: nf('GroupSnapshot', 'block_storage.group_snapshot_not_found'),
  messageNotFound: nf('Message', 'block_storage.message_not_found'),
  invalid: (message: string) => new ApiError(400, 'block_storage.invalid', message),
  invalidStatus: (kind: string, id: string, status: string, expected: string) =>
    new ApiError(400, 'block_storage.invalid_status', `Invalid ${kind}: ${kind} ${id} status must be ${expected}, but current status is: ${status}.`),
  conflict: (message: string) => new ApiError(409, 'block_storage.conflict', message),
  quotaExceeded: (message: string) => new ApiError(413, 'block_storage.over_quota', message),
  forbidden: (message: string) => new ApiError(403, 'block_storage.forbidden', message),
  noValidBackend: (reason: string) => new ApiError(400, 'block_storage.no_valid_backend', `No valid backend was found. ${reason}`),
};
