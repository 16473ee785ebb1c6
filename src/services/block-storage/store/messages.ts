import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageQueryable } from './volumes.ts';

/**
 * Cinder's user messages: what an asynchronous operation that already got its 2xx tells the
 * user when it fails later (GET /v3/{project_id}/messages). Every part of block storage
 * records them through createMessage with Cinder's action and detail codes, so event ids
 * (`VOLUME_VOLUME_001_003`) and texts match upstream.
 */

export type MessageResourceType = 'VOLUME' | 'VOLUME_SNAPSHOT' | 'VOLUME_BACKUP';

/** What was being done: Cinder's message_field.Action (id, text). */
export const MESSAGE_ACTION = {
  scheduleAllocateVolume: ['001', 'schedule allocate volume'],
  attachVolume: ['002', 'attach volume'],
  copyVolumeToImage: ['003', 'copy volume to image'],
  updateAttachment: ['004', 'update attachment'],
  copyImageToVolume: ['005', 'copy image to volume'],
  unmanageVolume: ['006', 'unmanage volume'],
  extendVolume: ['007', 'extend volume'],
  createVolumeFromBackend: ['008', 'create volume from backend storage'],
  snapshotCreate: ['009', 'create snapshot'],
  snapshotDelete: ['010', 'delete snapshot'],
  snapshotUpdate: ['011', 'update snapshot'],
  snapshotMetadataUpdate: ['012', 'update snapshot metadata'],
  backupCreate: ['013', 'create backup'],
  backupDelete: ['014', 'delete backup'],
  backupRestore: ['015', 'restore backup'],
  reimageVolume: ['016', 'reimage volume'],
} as const satisfies Record<string, readonly [string, string]>;
export type MessageAction = keyof typeof MESSAGE_ACTION;

/** What went wrong: Cinder's message_field.Detail (id, text). */
export const MESSAGE_DETAIL = {
  unknownError: ['001', 'An unknown error occurred.'],
  driverNotInitialized: ['002', 'Driver is not initialized at present.'],
  noBackendAvailable: ['003', 'Could not find any available weighted backend.'],
  failedToUploadVolume: ['004', 'Failed to upload volume to image at backend.'],
  volumeAttachModeInvalid: ['005', "Volume's attach mode is invalid."],
  quotaExceed: ['006', 'Not enough quota resource for operation.'],
  notEnoughSpaceForImage: ['007', 'Image used for creating volume exceeds available space.'],
  unmanageEncNotSupported: ['008', 'Unmanaging encrypted volumes is not supported.'],
  notifyComputeServiceFailed: ['009', 'Compute service failed to extend volume.'],
  driverFailedExtend: ['010', 'Volume Driver failed to extend volume.'],
  signatureVerificationFailed: ['011', 'Image signature verification failed.'],
  driverFailedCreate: ['012', 'Driver failed to create the volume.'],
  snapshotCreateError: ['013', 'Snapshot failed to create.'],
  snapshotUpdateMetadataFailed: ['014', 'Volume snapshot update metadata failed.'],
  snapshotIsBusy: ['015', 'Snapshot is busy.'],
  snapshotDeleteError: ['016', 'Snapshot failed to delete.'],
  backupInvalidState: ['017', 'Backup status is invalid.'],
  backupServiceDown: ['018', 'Backup service is down.'],
  backupCreateDeviceError: ['019', 'Failed to get backup device from the volume service.'],
  backupCreateDriverError: ['020', 'Backup driver failed to create backup.'],
  attachError: ['021', 'Failed to attach volume.'],
  detachError: ['022', 'Failed to detach volume.'],
  backupCreateCleanupError: ['023', 'Cleanup of temporary volume/snapshot failed.'],
  backupScheduleError: ['024', 'Backup failed to schedule. Service not found for creating backup.'],
  backupDeleteDriverError: ['025', 'Backup driver failed to delete backup.'],
  backupRestoreError: ['026', 'Backup driver failed to restore backup.'],
  volumeInvalidState: ['027', 'Volume status is invalid.'],
  reimageVolumeFailed: ['028', 'Compute service failed to reimage volume.'],
  imageFormatUnacceptable: ['029', 'The image disk format must be the same as the volume format for the volume type you are requesting.'],
  incrementalBackupForcesFullBackup: ['030', 'Incremental backup not possible, forcing full backup.'],
} as const satisfies Record<string, readonly [string, string]>;
export type MessageDetail = keyof typeof MESSAGE_DETAIL;

/** Cinder's message_ttl default: 30 days. */
export const MESSAGE_TTL_SECONDS = 2_592_000;

export interface NewMessage {
  readonly projectId: string;
  /** The request that started the operation (its x-openstack-request-id). */
  readonly requestId: string;
  readonly resourceType: MessageResourceType;
  readonly resourceUuid: string | null;
  readonly action: MessageAction;
  readonly detail: MessageDetail;
  /** ERROR (default), WARNING or INFO. */
  readonly level?: 'ERROR' | 'WARNING' | 'INFO';
}

/** `VOLUME_<resource>_<action>_<detail>`, Cinder's event id. */
export function messageEventId(m: Pick<NewMessage, 'resourceType' | 'action' | 'detail'>): string {
  return `VOLUME_${m.resourceType}_${MESSAGE_ACTION[m.action][0]}_${MESSAGE_DETAIL[m.detail][0]}`;
}

/** `<action text>:<detail text>`, as Cinder renders user_message. */
export function messageText(m: Pick<NewMessage, 'action' | 'detail'>): string {
  return `${MESSAGE_ACTION[m.action][1]}:${MESSAGE_DETAIL[m.detail][1]}`;
}

/** Records a user message; returns its id. */
export async function createMessage(
  db: BlockStorageQueryable,
  message: NewMessage,
  opts: { now: Date; ttlSeconds?: number },
): Promise<string> {
  const id = randomUUID();
  const ttl = opts.ttlSeconds ?? MESSAGE_TTL_SECONDS;
  await db
    .insertInto('block_storage_message')
    .values({
      id,
      project_id: message.projectId,
      request_id: message.requestId,
      resource_type: message.resourceType,
      resource_uuid: message.resourceUuid,
      event_id: messageEventId(message),
      message_level: message.level ?? 'ERROR',
      user_message: messageText(message),
      created_at: toDbTime(opts.now),
      expires_at: toDbTime(new Date(opts.now.getTime() + ttl * 1000)),
    })
    .execute();
  return id;
}
