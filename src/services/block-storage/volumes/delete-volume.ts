import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { snapshotsOfVolume, updateSnapshot } from '../store/snapshots.ts';
import { deleteVolumeRow, getVolume, transitionVolume, type VolumeRow } from '../store/volumes.ts';
import type { Caller } from './caller.ts';
import type { DeleteVolumePayload } from './volume-task-kinds.ts';

/** Statuses a volume may be deleted from without force (Cinder's volume API). */
export const DELETABLE_STATUSES = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
/** Migration statuses that mean no migration is running. */
const IDLE_MIGRATION = [null, 'deleting', 'error', 'success', 'none'];

function refusal(force: boolean): Error {
  const status = force ? '' : `status must be ${DELETABLE_STATUSES.join(' or ')} and `;
  return blockStorageErrors.invalid(
    `Invalid volume: Volume ${status}must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.`,
  );
}

/**
 * DELETE /volumes/{id} (and os-force_delete): checks what Cinder checks, moves the volume
 * (and with cascade its snapshots) to deleting, and queues the delete. A volume that never
 * reached a backend is simply removed.
 */
export async function deleteVolume(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  opts: { cascade: boolean; force: boolean },
): Promise<void> {
  const { cascade, force } = opts;
  const snapshots = await snapshotsOfVolume(env.db, volume.id);
  const blocked =
    volume.attach_status === 'attached' ||
    !IDLE_MIGRATION.includes(volume.migration_status) ||
    volume.group_id !== null ||
    (!force && !DELETABLE_STATUSES.includes(volume.status)) ||
    (!cascade && snapshots.length > 0) ||
    (cascade && snapshots.some((s) => s.group_snapshot_id !== null)) ||
    (cascade && !force && snapshots.some((s) => !['available', 'error', 'deleting'].includes(s.status))) ||
    (cascade && !caller.isAdmin && snapshots.some((s) => s.project_id !== volume.project_id));
  if (blocked) throw refusal(force);

  if (!volume.host && volume.status !== 'deleting') {
    // Never scheduled: nothing exists on a backend.
    await env.db.transaction().execute(async (trx) => {
      const still = await getVolume(trx, volume.id);
      if (still && !still.host) await deleteVolumeRow(trx, volume.id);
    });
    return;
  }

  const payload: DeleteVolumePayload = { cascade, requestId: caller.requestId, projectId: caller.projectId };
  await env.db.transaction().execute(async (trx) => {
    const moved = await transitionVolume(
      trx,
      volume.id,
      { status: 'deleting', updated_at: toDbTime(env.now()) },
      force ? undefined : DELETABLE_STATUSES,
      (eb) => eb.and([eb('attach_status', '!=', 'attached')]),
    );
    if (!moved) throw refusal(force);
    if (cascade) {
      for (const s of snapshots) {
        const ok = await updateSnapshot(trx, s.id, { status: 'deleting' }, force ? undefined : ['available', 'error', 'deleting']);
        if (!ok) throw blockStorageErrors.invalid('Invalid volume: Failed to update snapshot.');
      }
    }
    // A task of an operation the force delete overtakes stops with it.
    if (force) await env.tasks.cancel(trx, { resourceId: volume.id });
    await env.tasks.enqueue(trx, { kind: 'volume.delete', resourceId: volume.id, payload });
  });
  env.tasks.wake();
}
