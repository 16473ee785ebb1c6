import type { TaskHandler } from '../../../../core/tasks/index.ts';
import { TaskError } from '../../../../core/tasks/index.ts';
import { snapshotRef, volumeRef } from '../../data-plane/volume-refs.ts';
import type { BlockStorageEnv } from '../../env.ts';
import { deleteSnapshotRow, snapshotsOfVolume } from '../../store/snapshots.ts';
import type { BlockStorageTables } from '../../store/tables.ts';
import { deleteVolumeRow, getVolume } from '../../store/volumes.ts';
import { backendOfHost } from '../scheduler.ts';
import type { DeleteVolumePayload } from '../volume-task-kinds.ts';
import { failVolume } from './volume-task-support.ts';

/**
 * volume.delete: with cascade, the volume's snapshots first (backend, then row), then the
 * volume on its backend, then its row (metadata, attachments and transfers go with it).
 * Every step is idempotent: drivers accept deleting what is gone.
 */
export function deleteVolumeTask(env: BlockStorageEnv): TaskHandler<DeleteVolumePayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'deleting') return;
      const backend = backendOfHost(env, volume.host);
      if (volume.host && !backend) {
        throw new TaskError('block_storage.backend_unavailable', `the backend of host ${volume.host} is not running`);
      }
      if (ctx.task.payload.cascade) {
        for (const snap of await snapshotsOfVolume(env.db, volume.id)) {
          ctx.signal.throwIfAborted();
          if (backend) await backend.driver.deleteSnapshot(snapshotRef(snap, volume));
          await deleteSnapshotRow(env.db, snap.id);
        }
      }
      ctx.signal.throwIfAborted();
      if (backend) await backend.driver.deleteVolume(volumeRef(volume));
      await env.db.transaction().execute(async (trx) => {
        const still = await getVolume(trx, volume.id);
        if (still?.status === 'deleting') await deleteVolumeRow(trx, volume.id);
      });
    },
    async onFailed({ task, failure, trx }) {
      await failVolume(env, trx, task.resourceId, { from: ['deleting'], to: 'error_deleting', reason: failure.message });
    },
  };
}
