import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import { settleVolumeStatus } from '../attachments/attach-state.ts';
import type { BlockStorageEnv } from '../env.ts';
import { hasOpenTask } from '../recovery-support.ts';
import { getBackup, updateBackup } from '../store/backups.ts';
import { createMessage, type MessageAction, type MessageDetail } from '../store/messages.ts';
import { updateSnapshot } from '../store/snapshots.ts';
import { getVolume, transitionVolume } from '../store/volumes.ts';

/**
 * At start, before the task queue runs, backups whose operation lost its task (Cinder's
 * backup manager does the same at its start): a create goes to error and its volume or
 * snapshot gets its status back; a delete is queued again; a restore leaves the backup
 * available and the volume written to in error_restoring. Each failure leaves a user
 * message. Then volumes and snapshots still backing-up or restoring-backup for no backup
 * are given back their status (available or in-use) or error_restoring.
 */
export async function recoverStuckBackups(env: BlockStorageEnv): Promise<number> {
  const stuck = await env.db
    .selectFrom('block_storage_backup')
    .select(['id', 'status', 'project_id'])
    .where('status', 'in', ['creating', 'deleting', 'restoring'])
    .execute();
  let recovered = 0;
  for (const b of stuck) {
    const kind = b.status === 'creating' ? 'backup.create' : b.status === 'deleting' ? 'backup.delete' : 'backup.restore';
    if (await hasOpenTask(env, b.id, kind)) continue;
    const who = { requestId: `req-${randomUUID()}`, projectId: b.project_id };
    const now = env.now();
    const message = (trx: Parameters<typeof createMessage>[0], action: MessageAction, detail: MessageDetail) =>
      createMessage(trx, { ...who, resourceType: 'VOLUME_BACKUP', resourceUuid: b.id, action, detail }, { now });
    const moved = await env.db.transaction().execute(async (trx) => {
      const backup = await getBackup(trx, b.id);
      if (backup?.status !== b.status) return false;
      const at = toDbTime(now);
      if (b.status === 'deleting') {
        await env.tasks.enqueue(trx, { kind: 'backup.delete', resourceId: b.id, payload: who });
        return true;
      }
      const reason = `interrupted while ${b.status}`;
      if (b.status === 'creating') {
        await updateBackup(trx, b.id, { status: 'error', fail_reason: reason, updated_at: at }, ['creating']);
        if (backup.snapshot_id) await updateSnapshot(trx, backup.snapshot_id, { status: 'available', updated_at: at }, ['backing-up']);
        else if ((await getVolume(trx, backup.volume_id))?.status === 'backing-up') await settleVolumeStatus(trx, backup.volume_id, at);
        await message(trx, 'backupCreate', 'backupCreateDriverError');
        return true;
      }
      await updateBackup(trx, b.id, { status: 'available', restore_volume_id: null, updated_at: at }, ['restoring']);
      if (backup.restore_volume_id) {
        await transitionVolume(trx, backup.restore_volume_id, { status: 'error_restoring', status_reason: reason, updated_at: at }, ['restoring-backup', 'creating']);
      }
      await message(trx, 'backupRestore', 'backupRestoreError');
      return true;
    });
    if (moved) {
      recovered++;
      env.logger.warn({ backup: b.id, from: b.status }, 'backup operation was lost at a restart; status recovered');
    }
  }
  return recovered + (await releaseOrphanedSources(env));
}

/** Volumes and snapshots held for a backup or restore that no backup is doing any more. */
async function releaseOrphanedSources(env: BlockStorageEnv): Promise<number> {
  const at = toDbTime(env.now());
  let released = 0;
  const volumes = await env.db
    .selectFrom('block_storage_volume')
    .select(['id', 'status'])
    .where('status', 'in', ['backing-up', 'restoring-backup'])
    .execute();
  for (const v of volumes) {
    const busy = await env.db
      .selectFrom('block_storage_backup')
      .select('id')
      .where((eb) =>
        v.status === 'backing-up'
          ? eb.and([eb('volume_id', '=', v.id), eb('status', '=', 'creating'), eb('snapshot_id', 'is', null)])
          : eb.and([eb('restore_volume_id', '=', v.id), eb('status', '=', 'restoring')]),
      )
      .executeTakeFirst();
    if (busy) continue;
    if (v.status === 'backing-up') await settleVolumeStatus(env.db, v.id, at);
    else await transitionVolume(env.db, v.id, { status: 'error_restoring', status_reason: 'interrupted while restoring-backup', updated_at: at }, ['restoring-backup']);
    released++;
  }
  const snapshots = await env.db.selectFrom('block_storage_snapshot').select('id').where('status', '=', 'backing-up').execute();
  for (const s of snapshots) {
    const busy = await env.db
      .selectFrom('block_storage_backup')
      .select('id')
      .where('snapshot_id', '=', s.id)
      .where('status', '=', 'creating')
      .executeTakeFirst();
    if (busy) continue;
    if (await updateSnapshot(env.db, s.id, { status: 'available', updated_at: at }, ['backing-up'])) released++;
  }
  return released;
}
