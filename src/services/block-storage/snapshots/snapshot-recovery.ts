import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { hasOpenTask } from '../recovery-support.ts';
import { heldByGroupTask } from '../groups/group-recovery.ts';
import { createMessage } from '../store/messages.ts';
import { getSnapshot, updateSnapshot } from '../store/snapshots.ts';
import { getVolume } from '../store/volumes.ts';
import type { SnapshotTaskPayload } from './snapshot-tasks.ts';

/**
 * At start, after the volumes' recovery and before the task queue runs: a snapshot left
 * creating without its task goes to error with a user message (its volume may be used
 * again); one left deleting has its delete queued again (deleting is idempotent); one left
 * restoring by a revert that is no longer under way is available again.
 * (backing-up snapshots are their backups' to recover.)
 */
export async function recoverStuckSnapshots(env: BlockStorageEnv): Promise<number> {
  const stuck = await env.db
    .selectFrom('block_storage_snapshot')
    .select(['id', 'status', 'project_id', 'volume_id', 'group_snapshot_id'])
    .where('status', 'in', ['creating', 'deleting', 'restoring'])
    .execute();
  let recovered = 0;
  for (const s of stuck) {
    // Members of a group snapshot being taken or deleted are its task's to finish.
    if (await heldByGroupTask(env, s.group_snapshot_id)) continue;
    const who: SnapshotTaskPayload = { requestId: `req-${randomUUID()}`, projectId: s.project_id };
    const now = env.now();
    let moved = false;
    if (s.status === 'creating' && !(await hasOpenTask(env, s.id, 'snapshot.create'))) {
      moved = await env.db.transaction().execute(async (trx) => {
        if (!(await updateSnapshot(trx, s.id, { status: 'error', updated_at: toDbTime(now) }, ['creating']))) return false;
        await createMessage(
          trx,
          { ...who, resourceType: 'VOLUME_SNAPSHOT', resourceUuid: s.id, action: 'snapshotCreate', detail: 'snapshotCreateError' },
          { now },
        );
        return true;
      });
    } else if (s.status === 'deleting' && !(await hasOpenTask(env, s.id, 'snapshot.delete'))) {
      // A volume's cascade delete takes its snapshots with it.
      if (await hasOpenTask(env, s.volume_id, 'volume.delete')) continue;
      moved = await env.db.transaction().execute(async (trx) => {
        if ((await getSnapshot(trx, s.id))?.status !== 'deleting') return false;
        await env.tasks.enqueue(trx, { kind: 'snapshot.delete', resourceId: s.id, payload: who });
        return true;
      });
    } else if (s.status === 'restoring' && (await getVolume(env.db, s.volume_id))?.status !== 'reverting') {
      moved = await updateSnapshot(env.db, s.id, { status: 'available', updated_at: toDbTime(now) }, ['restoring']);
    }
    if (moved) {
      recovered++;
      env.logger.warn({ snapshot: s.id, from: s.status }, 'snapshot operation was lost at a restart; status recovered');
    }
  }
  return recovered;
}
