import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import { statusFromAttachments } from '../store/attachments.ts';
import type { BlockStorageEnv } from '../env.ts';
import { snapshotsOfVolume } from '../store/snapshots.ts';
import { getVolume, transitionVolume } from '../store/volumes.ts';
import { hasOpenTask } from '../recovery-support.ts';
import { heldByGroupTask } from '../groups/group-recovery.ts';
import { failVolume } from './tasks/volume-task-support.ts';
import { STUCK_STATUS_RECOVERY } from './volume-task-kinds.ts';
import type { DeleteVolumePayload } from './volume-task-kinds.ts';

/**
 * At start, before the task queue runs: a volume in an in-between status whose operation
 * has no unfinished task (it was lost, or recorded before tasks existed) would stay there
 * for ever. As Cinder's cleanup at service start does, a delete is run again (deleting is
 * idempotent); any other operation ends in the status Cinder gives it (error for a create,
 * error_extending for an extend ...) with a user message; operations that leave the data as
 * it was (retype, upload) return the volume to available or in-use, as its attachments say.
 * Volumes whose task is still queued or running are left to it: the queue resumes them.
 */
export async function recoverStuckVolumes(env: BlockStorageEnv): Promise<number> {
  const stuck = await env.db
    .selectFrom('block_storage_volume')
    .select(['id', 'status', 'project_id', 'group_id'])
    .where('status', 'in', Object.keys(STUCK_STATUS_RECOVERY))
    .execute();
  let recovered = 0;
  for (const v of stuck) {
    const rule = STUCK_STATUS_RECOVERY[v.status]!;
    if (await hasOpenTask(env, v.id, rule.kind)) continue;
    // Members of a group being made or deleted are its task's to finish.
    if (await heldByGroupTask(env, v.group_id)) continue;
    const requestId = `req-${randomUUID()}`;
    const reason = `interrupted while ${v.status}`;
    let moved: boolean;
    if (rule.to === 'resume') {
      moved = await resumeDelete(env, v.id, { requestId, projectId: v.project_id });
    } else if (rule.to === 'previous') {
      moved = await env.db.transaction().execute(async (trx) => {
        const { status, attachStatus } = await statusFromAttachments(trx, v.id);
        return transitionVolume(
          trx,
          v.id,
          { status, attach_status: attachStatus, status_reason: reason, migration_status: null, updated_at: toDbTime(env.now()) },
          [v.status],
        );
      });
    } else {
      moved = await failVolume(
        env,
        env.db,
        v.id,
        { from: [v.status], to: rule.to, reason },
        rule.message && { projectId: v.project_id, requestId, ...rule.message },
      );
    }
    if (moved) {
      recovered++;
      env.logger.warn({ volume: v.id, from: v.status, to: rule.to }, 'volume operation was lost at a restart; status recovered');
    }
  }
  return recovered;
}

/** Queues the delete of a volume left deleting (with its snapshots left deleting: a cascade). */
async function resumeDelete(env: BlockStorageEnv, volumeId: string, who: { requestId: string; projectId: string }): Promise<boolean> {
  const snapshots = await snapshotsOfVolume(env.db, volumeId);
  const payload: DeleteVolumePayload = { ...who, cascade: snapshots.some((s) => s.status === 'deleting') };
  return env.db.transaction().execute(async (trx) => {
    const volume = await getVolume(trx, volumeId);
    if (volume?.status !== 'deleting') return false;
    await env.tasks.enqueue(trx, { kind: 'volume.delete', resourceId: volumeId, payload });
    return true;
  });
}
