import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { snapshotsOfVolume, updateSnapshot } from '../store/snapshots.ts';
import { transitionVolume, type VolumeRow } from '../store/volumes.ts';
import type { Caller } from './caller.ts';
import type { RevertVolumePayload } from './volume-task-kinds.ts';

/**
 * revert (3.40): only to the volume's latest snapshot, of the volume's size; the volume
 * goes available -> reverting and the snapshot available -> restoring until the task ends.
 */
export async function revertToSnapshot(env: BlockStorageEnv, caller: Caller, volume: VolumeRow, snapshotId: string | null | undefined): Promise<void> {
  const snapshots = await snapshotsOfVolume(env.db, volume.id);
  const latest = snapshots.reduce<(typeof snapshots)[number] | undefined>(
    (best, s) => (best === undefined || s.created_at > best.created_at || (s.created_at === best.created_at && s.id > best.id) ? s : best),
    undefined,
  );
  if (!latest) throw blockStorageErrors.invalid(`Volume ${volume.id} doesn't have any snapshots.`);
  if (!snapshotId || snapshotId !== latest.id) {
    throw blockStorageErrors.invalid(`Specified snapshot ${snapshotId ?? 'None'} is None or not the latest one of volume ${volume.id}.`);
  }
  if (Number(volume.size) !== Number(latest.size)) {
    throw blockStorageErrors.invalid(
      `Can't revert volume ${volume.id} to its latest snapshot ${latest.id}. The volume size must be equal to the snapshot size.`,
    );
  }
  const payload: RevertVolumePayload = { snapshotId: latest.id, requestId: caller.requestId, projectId: volume.project_id };
  await env.db.transaction().execute(async (trx) => {
    if (!(await transitionVolume(trx, volume.id, { status: 'reverting', updated_at: toDbTime(env.now()) }, ['available']))) {
      throw blockStorageErrors.conflict(
        `Invalid volume: Can't revert volume ${volume.id} to its latest snapshot ${latest.id}. Volume's status must be 'available'.`,
      );
    }
    if (!(await updateSnapshot(trx, latest.id, { status: 'restoring' }, ['available']))) {
      throw blockStorageErrors.conflict(
        `Invalid snapshot: Can't revert volume ${volume.id} to its latest snapshot ${latest.id}. Snapshot's status must be 'available'.`,
      );
    }
    await env.tasks.enqueue(trx, { kind: 'volume.revert', resourceId: volume.id, payload });
  });
  env.tasks.wake();
}
