import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { transitionVolume } from '../store/volumes.ts';
import { STUCK_STATUS_RECOVERY } from './volume-task-kinds.ts';

/**
 * At start, before the task queue runs: a volume in an in-between status whose operation
 * has no unfinished task (it was lost, or recorded before tasks existed) would stay there
 * for ever. It moves to the status Cinder's cleanup gives it: error for a create, and so on;
 * operations that leave data as it was (retype, upload) return it to `available`.
 * Volumes whose task is still queued or running are left to it: the queue resumes them.
 */
export async function recoverStuckVolumes(env: BlockStorageEnv): Promise<number> {
  const stuck = await env.db
    .selectFrom('block_storage_volume')
    .select(['id', 'status'])
    .where('status', 'in', Object.keys(STUCK_STATUS_RECOVERY))
    .execute();
  let recovered = 0;
  for (const v of stuck) {
    const rule = STUCK_STATUS_RECOVERY[v.status]!;
    const open = await env.tasks.list({ resourceId: v.id, states: ['queued', 'running'] });
    if (open.some((t) => t.kind === rule.kind)) continue;
    const to = rule.to === 'previous' ? 'available' : rule.to;
    const moved = await transitionVolume(
      env.db,
      v.id,
      { status: to, status_reason: `interrupted while ${v.status}`, updated_at: toDbTime(env.now()) },
      [v.status],
    );
    if (moved) {
      recovered++;
      env.logger.warn({ volume: v.id, from: v.status, to }, 'volume operation was lost; status recovered');
    }
  }
  return recovered;
}
