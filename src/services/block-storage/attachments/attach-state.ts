import type { Kysely } from 'kysely';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { deleteAttachmentRow, statusFromAttachments } from '../store/attachments.ts';
import type { BlockStorageTables } from '../store/tables.ts';
import { deleteVolumeMetadataKey, getVolume, transitionVolume } from '../store/volumes.ts';

/**
 * Removes an attachment and sets the volume's status and attach_status from what remains
 * (Cinder's finish_detach / volume_detached): in-use while one is attached, else attaching,
 * detaching or reserved after the others, available when none is left. A volume being
 * uploaded keeps that status when its last attachment goes, as in Cinder.
 */
export async function finishDetach(
  env: BlockStorageEnv,
  volumeId: string,
  attachmentId: string | undefined,
): Promise<void> {
  await env.db.transaction().execute(async (trx) => {
    if (attachmentId !== undefined) await deleteAttachmentRow(trx, attachmentId);
    await settleVolumeStatus(trx, volumeId, toDbTime(env.now()));
    await deleteVolumeMetadataKey(trx, 'admin', volumeId, 'attached_mode');
  });
}

/** Writes the status the volume's attachments give it (see finishDetach). */
export async function settleVolumeStatus(
  db: Kysely<BlockStorageTables>,
  volumeId: string,
  now: string,
): Promise<void> {
  const volume = await getVolume(db, volumeId);
  if (!volume) return;
  const { status, attachStatus } = await statusFromAttachments(db, volumeId);
  const keepStatus =
    attachStatus === 'detached' &&
    (volume.status === 'uploading' ||
      (volume.migration_status !== null &&
        !['success', 'error'].includes(volume.migration_status)));
  await transitionVolume(
    db,
    volumeId,
    keepStatus
      ? { attach_status: attachStatus, updated_at: now }
      : { status, attach_status: attachStatus, updated_at: now },
  );
}
