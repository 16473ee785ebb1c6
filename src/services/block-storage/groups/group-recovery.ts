import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { hasOpenTask } from '../recovery-support.ts';
import { getGroup, getGroupSnapshot, updateGroup, updateGroupSnapshot } from '../store/groups.ts';

/**
 * At start, before the task queue runs and before single volumes and snapshots are looked
 * at: a group or group snapshot whose task is lost. A create (from a source) goes to error
 * with its new member volumes or snapshots; a delete is queued again. Those with a task
 * are left to the queue, members included.
 */
export async function recoverStuckGroups(env: BlockStorageEnv): Promise<number> {
  let recovered = 0;
  const now = toDbTime(env.now());
  const groups = await env.db.selectFrom('block_storage_group').select(['id', 'status', 'project_id']).where('status', 'in', ['creating', 'deleting']).execute();
  for (const g of groups) {
    if (await hasOpenTask(env, g.id)) continue;
    const moved = await env.db.transaction().execute(async (trx) => {
      if ((await getGroup(trx, g.id))?.status !== g.status) return false;
      if (g.status === 'deleting') {
        await env.tasks.enqueue(trx, { kind: 'group.delete', resourceId: g.id, payload: { requestId: `req-${randomUUID()}`, projectId: g.project_id } });
        return true;
      }
      await updateGroup(trx, g.id, { status: 'error' }, ['creating']);
      await trx.updateTable('block_storage_volume').set({ status: 'error', status_reason: 'interrupted while creating', updated_at: now }).where('group_id', '=', g.id).where('status', '=', 'creating').execute();
      return true;
    });
    if (moved) recovered++;
  }
  const groupSnapshots = await env.db
    .selectFrom('block_storage_group_snapshot')
    .select(['id', 'status', 'project_id'])
    .where('status', 'in', ['creating', 'deleting'])
    .execute();
  for (const gs of groupSnapshots) {
    if (await hasOpenTask(env, gs.id)) continue;
    const moved = await env.db.transaction().execute(async (trx) => {
      if ((await getGroupSnapshot(trx, gs.id))?.status !== gs.status) return false;
      if (gs.status === 'deleting') {
        await env.tasks.enqueue(trx, { kind: 'group_snapshot.delete', resourceId: gs.id, payload: { requestId: `req-${randomUUID()}`, projectId: gs.project_id } });
        return true;
      }
      await updateGroupSnapshot(trx, gs.id, { status: 'error' }, ['creating']);
      await trx.updateTable('block_storage_snapshot').set({ status: 'error', updated_at: now }).where('group_snapshot_id', '=', gs.id).where('status', '=', 'creating').execute();
      return true;
    });
    if (moved) recovered++;
  }
  if (recovered) env.logger.warn({ recovered }, 'group operations were lost at a restart; statuses recovered');
  return recovered;
}

/** Whether the volume's group, or the snapshot's group snapshot, has a task that will resume it. */
export async function heldByGroupTask(env: BlockStorageEnv, ownerId: string | null): Promise<boolean> {
  return ownerId !== null && (await hasOpenTask(env, ownerId));
}
