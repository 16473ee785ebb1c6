import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { volumeErrors } from './volume-errors.ts';
import { attachmentsOfVolume, deleteAttachmentRow } from '../store/attachments.ts';
import {
  deleteVolumeMetadataKey,
  getVolumeMetadata,
  setVolumeMetadata,
  transitionVolume,
  type VolumeMetadataKind,
  type VolumePatch,
  type VolumeRow,
} from '../store/volumes.ts';

/**
 * The synchronous volume changes: name, description and metadata (PUT and the metadata
 * API), bootable and read-only flags, image metadata, and the admin's reset-status. None
 * touches a backend.
 */

/** Statuses in which Cinder refuses to change a volume's metadata. */
const METADATA_FROZEN = ['maintenance', 'uploading'];

export function assertNotInMaintenance(volume: VolumeRow): void {
  if (volume.status === 'maintenance') {
    throw blockStorageErrors.invalid('Invalid volume: The volume cannot be updated during maintenance.');
  }
}

function assertMetadataChangeable(volume: VolumeRow, deleting: boolean): void {
  if (METADATA_FROZEN.includes(volume.status)) {
    const what = deleting ? 'Deleting' : 'Updating';
    throw blockStorageErrors.invalid(`Invalid volume: ${what} volume metadata is not allowed for volumes in ${volume.status} status.`);
  }
}

/** PUT /volumes/{id}: name, description and (replacing) metadata. */
export async function updateVolume(
  env: BlockStorageEnv,
  volume: VolumeRow,
  change: { name?: string | null; description?: string | null; metadata?: Readonly<Record<string, string>> },
): Promise<void> {
  assertNotInMaintenance(volume);
  const patch: VolumePatch = { updated_at: toDbTime(env.now()) };
  if (change.name !== undefined) patch.name = change.name;
  if (change.description !== undefined) patch.description = change.description;
  await env.db.transaction().execute(async (trx) => {
    await transitionVolume(trx, volume.id, patch);
    if (change.metadata !== undefined) await setVolumeMetadata(trx, 'user', volume.id, change.metadata, true);
  });
}

/** Sets (merging, or with `replace` replacing) user or image metadata; returns all of it. */
export async function setMetadata(
  env: BlockStorageEnv,
  volume: VolumeRow,
  kind: Exclude<VolumeMetadataKind, 'admin'>,
  metadata: Readonly<Record<string, string>>,
  replace: boolean,
): Promise<Record<string, string>> {
  assertMetadataChangeable(volume, false);
  return env.db.transaction().execute((trx) => setVolumeMetadata(trx, kind, volume.id, metadata, replace));
}

export async function deleteMetadataItem(
  env: BlockStorageEnv,
  volume: VolumeRow,
  kind: Exclude<VolumeMetadataKind, 'admin'>,
  key: string,
): Promise<void> {
  const current = await getVolumeMetadata(env.db, kind, volume.id);
  if (!(key in current)) {
    throw kind === 'user'
      ? volumeErrors.metadataNotFound(volume.id, key)
      : volumeErrors.imageMetadataNotFound(volume.id);
  }
  assertMetadataChangeable(volume, true);
  await deleteVolumeMetadataKey(env.db, kind, volume.id, key);
}

/** os-set_bootable. */
export async function setBootable(env: BlockStorageEnv, volume: VolumeRow, bootable: boolean): Promise<void> {
  assertNotInMaintenance(volume);
  await transitionVolume(env.db, volume.id, { bootable: bootable ? 1 : 0, updated_at: toDbTime(env.now()) });
}

/** os-update_readonly_flag: admin metadata `readonly` (shown among the volume's metadata). */
export async function setReadonly(env: BlockStorageEnv, volume: VolumeRow, readonly: boolean): Promise<void> {
  if (volume.status !== 'available') {
    throw blockStorageErrors.invalid(
      `Invalid volume: Volume ${volume.id} status must be available to update readonly flag, but current status is: ${volume.status}.`,
    );
  }
  await setVolumeMetadata(env.db, 'admin', volume.id, { readonly: readonly ? 'True' : 'False' }, false);
}

export interface ResetStatusRequest {
  readonly status?: string | undefined;
  readonly attachStatus?: string | undefined;
  readonly migrationStatus?: string | undefined;
}

/**
 * os-reset_status (admin): writes the statuses as given. Like Cinder it refuses `deleting`
 * and `in-use` without attachments; resetting attach_status to detached forgets the
 * volume's attachments. A task still running for the volume is cancelled: its work no
 * longer matches the status.
 */
export async function resetStatus(env: BlockStorageEnv, volume: VolumeRow, req: ResetStatusRequest): Promise<void> {
  const patch: VolumePatch = { updated_at: toDbTime(env.now()) };
  if (req.status) patch.status = req.status.toLowerCase();
  if (req.attachStatus) patch.attach_status = req.attachStatus.toLowerCase();
  if (req.migrationStatus) {
    const m = req.migrationStatus.toLowerCase();
    patch.migration_status = m === 'none' ? null : m;
  }
  // Cinder's check reads ('deleting', 'error_deleting' 'detaching'): only deleting is refused.
  if (patch.status === 'deleting') throw blockStorageErrors.invalid(`Cannot reset-state to ${patch.status}`);
  const attachments = await attachmentsOfVolume(env.db, volume.id);
  if (patch.status === 'in-use' && attachments.length === 0) {
    throw blockStorageErrors.invalid('Cannot reset-state to in-use because volume does not have any attachments.');
  }
  await env.db.transaction().execute(async (trx) => {
    await transitionVolume(trx, volume.id, { ...patch, status_reason: null });
    await env.tasks.cancel(trx, { resourceId: volume.id });
    if (patch.attach_status === 'detached') {
      for (const a of attachments) await deleteAttachmentRow(trx, a.id);
      await deleteVolumeMetadataKey(trx, 'admin', volume.id, 'attached_mode');
    }
  });
}
