import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TaskHandler } from '../../../../core/tasks/index.ts';
import { TaskError } from '../../../../core/tasks/index.ts';
import { toDbTime } from '../../../../core/db/index.ts';
import { snapshotRef, volumeRef } from '../../data-plane/volume-refs.ts';
import { destroyOnAbort } from '../../data-plane/stream-abort.ts';
import type { BlockStorageEnv } from '../../env.ts';
import { getSnapshot, updateSnapshot } from '../../store/snapshots.ts';
import type { BlockStorageTables } from '../../store/tables.ts';
import { getVolume, transitionVolume } from '../../store/volumes.ts';
import { inDiskFormat } from '../disk-format.ts';
import { ImageServiceClient } from '../image-service.ts';
import { backendOfHost } from '../scheduler.ts';
import type { RevertVolumePayload, UploadImagePayload } from '../volume-task-kinds.ts';
import { errorText, failVolume, isRetryable } from './volume-task-support.ts';

/**
 * volume.upload_image: streams the volume's content into the image the API created (in
 * the image's disk format), then returns the volume to its status. On failure the image
 * is deleted and the user gets a message, as Cinder does; the volume goes back either way.
 */
export function uploadImageTask(env: BlockStorageEnv): TaskHandler<UploadImagePayload, BlockStorageTables> {
  const failUpload = async (db: Parameters<typeof failVolume>[1], p: UploadImagePayload, volumeId: string, reason: string) => {
    await failVolume(env, db, volumeId, { from: ['uploading'], to: p.previousStatus, reason }, {
      ...p,
      action: 'copyVolumeToImage',
      detail: 'failedToUploadVolume',
    });
  };
  const dropImage = async (p: UploadImagePayload) => {
    const url = env.image().url;
    if (url) await new ImageServiceClient(url, p.token).delete(p.imageId).catch(() => undefined);
  };
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const p = ctx.task.payload;
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'uploading') return;
      const backend = backendOfHost(env, volume.host);
      const url = env.image().url;
      if (!backend) throw new TaskError('block_storage.backend_unavailable', `the backend of host ${volume.host ?? 'none'} is not running`);
      if (!url) throw new TaskError('block_storage.image_service_unavailable', 'the image service is not reachable', { retryable: true });
      const scratch = path.join(env.dataDir, 'scratch');
      await mkdir(scratch, { recursive: true });
      try {
        const raw = await backend.driver.readVolume(volumeRef(volume));
        const unhookRaw = destroyOnAbort(ctx.signal, raw);
        const upload = await inDiskFormat(raw, p.diskFormat, scratch).finally(unhookRaw);
        const unhook = destroyOnAbort(ctx.signal, upload.data);
        try {
          await new ImageServiceClient(url, p.token).upload(p.imageId, upload.data);
        } finally {
          unhook();
          upload.data.destroy();
          await upload.cleanup();
        }
      } catch (err) {
        // Stopped (or taken over) mid-copy: the resumed run does it again.
        if (ctx.signal.aborted || isRetryable(err)) throw err;
        await dropImage(p);
        await failUpload(env.db, p, volume.id, errorText(err));
        return;
      }
      await transitionVolume(env.db, volume.id, { status: p.previousStatus, status_reason: null, updated_at: toDbTime(env.now()) }, ['uploading']);
    },
    async onFailed({ task, failure, trx }) {
      await dropImage(task.payload);
      await failUpload(trx, task.payload, task.resourceId, failure.message);
    },
  };
}

/**
 * volume.revert (3.40): the volume gets its latest snapshot's content back. The driver port
 * has no revert, so the snapshot is materialized as a scratch volume whose content is
 * written over the volume, and the scratch volume is removed.
 */
export function revertVolumeTask(env: BlockStorageEnv): TaskHandler<RevertVolumePayload, BlockStorageTables> {
  const finishSnapshot = (db: Parameters<typeof updateSnapshot>[0], id: string) => updateSnapshot(db, id, { status: 'available' }, ['restoring']);
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const p = ctx.task.payload;
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'reverting') return;
      const snapshot = await getSnapshot(env.db, p.snapshotId);
      const backend = backendOfHost(env, volume.host);
      if (!snapshot || !backend) {
        await failVolume(env, env.db, volume.id, { from: ['reverting'], to: 'error', reason: 'snapshot or backend missing' });
        if (snapshot) await finishSnapshot(env.db, snapshot.id);
        return;
      }
      const scratch = { id: `${volume.id.slice(0, 24)}-revert-${snapshot.id.slice(0, 8)}`, sizeGb: Number(snapshot.size) };
      const location = await backend.driver.createVolumeFromSnapshot(scratch, snapshotRef(snapshot, volume));
      try {
        const data = await backend.driver.readVolume({ ...scratch, providerLocation: location });
        const unhook = destroyOnAbort(ctx.signal, data);
        try {
          await backend.driver.writeVolume(volumeRef(volume), data);
        } finally {
          unhook();
        }
      } finally {
        await backend.driver.deleteVolume({ ...scratch, providerLocation: location }).catch(() => undefined);
      }
      await env.db.transaction().execute(async (trx) => {
        await transitionVolume(trx, volume.id, { status: 'available', status_reason: null, updated_at: toDbTime(env.now()) }, ['reverting']);
        await finishSnapshot(trx, snapshot.id);
      });
    },
    async onFailed({ task, failure, trx }) {
      await failVolume(env, trx, task.resourceId, { from: ['reverting'], to: 'error', reason: failure.message });
      await finishSnapshot(trx, task.payload.snapshotId);
    },
  };
}
