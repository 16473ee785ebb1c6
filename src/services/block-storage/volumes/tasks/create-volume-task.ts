import type { TaskContext, TaskHandler } from '../../../../core/tasks/index.ts';
import { toDbTime } from '../../../../core/db/index.ts';
import { snapshotRef, volumeRef } from '../../data-plane/volume-refs.ts';
import { destroyOnAbort } from '../../data-plane/stream-abort.ts';
import type { BackupRef, ProviderLocation } from '../../drivers.ts';
import type { Backend, BlockStorageEnv } from '../../env.ts';
import { getBackup } from '../../store/backups.ts';
import { getSnapshot } from '../../store/snapshots.ts';
import type { BlockStorageTables } from '../../store/tables.ts';
import { getVolumeTypeRef } from '../../store/volume-type-refs.ts';
import { getVolume, transitionVolume, type VolumeRow } from '../../store/volumes.ts';
import { fromDbJson } from '../../../../core/db/index.ts';
import { ImageServiceClient, imageDataLocations } from '../image-service.ts';
import { backendOfHost, scheduleVolume } from '../scheduler.ts';
import type { CreateVolumePayload } from '../volume-task-kinds.ts';
import { errorText, failVolume, isRetryable } from './volume-task-support.ts';

/**
 * volume.create: schedule the volume to a backend (host recorded on the row, so a resumed
 * run keeps it), then have the backend create it empty or from its source, then mark it
 * available. Driver calls are idempotent, so a run resumed after a crash simply repeats
 * the backend step. A volume deleted or reset meanwhile is left alone.
 */
export function createVolumeTask(env: BlockStorageEnv): TaskHandler<CreateVolumePayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'creating') return;
      const backend = volume.host ? backendOfHost(env, volume.host) : await schedule(env, ctx, volume);
      if (!backend) {
        if (volume.host) {
          await failVolume(env, env.db, volume.id, { from: ['creating'], to: 'error', reason: `backend of host ${volume.host} is not running` }, {
            ...ctx.task.payload,
            action: 'createVolumeFromBackend',
            detail: 'driverNotInitialized',
          });
        }
        return;
      }
      const current = (await getVolume(env.db, volume.id)) ?? volume;
      let location: ProviderLocation;
      try {
        location = await createOnBackend(env, backend, current, ctx.task.payload, ctx.signal);
      } catch (err) {
        // Stopped (or taken over) mid-copy: the resumed run does it again.
        if (ctx.signal.aborted || isRetryable(err)) throw err;
        const image = ctx.task.payload.source.kind === 'image';
        await failVolume(env, env.db, volume.id, { from: ['creating'], to: 'error', reason: errorText(err) }, {
          ...ctx.task.payload,
          action: image ? 'copyImageToVolume' : 'createVolumeFromBackend',
          detail: image ? 'unknownError' : 'driverFailedCreate',
        });
        ctx.logger.warn({ err, volume: volume.id }, 'volume create failed on the backend');
        return;
      }
      // Stopping: hand the task back; the resumed run repeats the (idempotent) backend step.
      ctx.signal.throwIfAborted();
      const bootable = await bootableOf(env, ctx.task.payload, current);
      const now = toDbTime(env.now());
      const done = await transitionVolume(
        env.db,
        volume.id,
        { status: 'available', provider_location: JSON.stringify(location), bootable, launched_at: now, updated_at: now, status_reason: null },
        ['creating'],
      );
      if (!done && !(await getVolume(env.db, volume.id))) {
        // Deleted while the backend worked: do not leave its data behind.
        await backend.driver.deleteVolume({ id: volume.id, sizeGb: Number(volume.size), providerLocation: location }).catch((err: unknown) => {
          ctx.logger.warn({ err, volume: volume.id }, 'could not remove the data of a volume deleted while it was created');
        });
      }
    },
    async onFailed({ task, failure, trx }) {
      await failVolume(env, trx, task.resourceId, { from: ['creating'], to: 'error', reason: failure.message }, {
        ...task.payload,
        action: task.payload.source.kind === 'image' ? 'copyImageToVolume' : 'createVolumeFromBackend',
        detail: 'unknownError',
      });
    },
  };
}

async function sourceHost(env: BlockStorageEnv, payload: CreateVolumePayload): Promise<string | undefined> {
  const source = payload.source;
  if (source.kind === 'volume') return (await getVolume(env.db, source.id))?.host ?? undefined;
  if (source.kind === 'snapshot') {
    const snap = await getSnapshot(env.db, source.id);
    return snap ? ((await getVolume(env.db, snap.volume_id))?.host ?? undefined) : undefined;
  }
  return undefined;
}

async function schedule(
  env: BlockStorageEnv,
  ctx: TaskContext<CreateVolumePayload>,
  volume: VolumeRow,
): Promise<Backend | undefined> {
  const type = await getVolumeTypeRef(env.db, volume.volume_type_id);
  const result = type
    ? await scheduleVolume(env, {
        sizeGb: Number(volume.size),
        volumeType: type,
        availabilityZone: volume.availability_zone,
        // Clones and volumes from snapshots are made by the backend holding the source.
        backendHost: await sourceHost(env, ctx.task.payload),
      })
    : ({ ok: false, reason: `volume type ${volume.volume_type_id} no longer exists` } as const);
  if (!result.ok) {
    await failVolume(env, env.db, volume.id, { from: ['creating'], to: 'error', reason: `No valid backend was found. ${result.reason}` }, {
      ...ctx.task.payload,
      action: 'scheduleAllocateVolume',
      detail: 'noBackendAvailable',
    });
    ctx.logger.warn({ volume: volume.id, reason: result.reason }, 'no valid backend for volume');
    return undefined;
  }
  const placed = await transitionVolume(env.db, volume.id, { host: result.backend.poolHost }, ['creating']);
  return placed ? result.backend : undefined;
}

async function createOnBackend(
  env: BlockStorageEnv,
  backend: Backend,
  volume: VolumeRow,
  payload: CreateVolumePayload,
  signal: AbortSignal,
): Promise<ProviderLocation> {
  const driver = backend.driver;
  const ref = { id: volume.id, sizeGb: Number(volume.size) };
  const source = payload.source;
  switch (source.kind) {
    case 'empty':
      return driver.createVolume(ref);
    case 'volume': {
      const src = await getVolume(env.db, source.id);
      if (!src) throw new Error(`source volume ${source.id} no longer exists`);
      return driver.cloneVolume(ref, volumeRef(src));
    }
    case 'snapshot': {
      const snap = await getSnapshot(env.db, source.id);
      const parent = snap && (await getVolume(env.db, snap.volume_id));
      if (!snap || !parent) throw new Error(`snapshot ${source.id} no longer exists`);
      return driver.createVolumeFromSnapshot(ref, snapshotRef(snap, parent));
    }
    case 'image': {
      const url = env.image().url;
      if (!url) throw Object.assign(new Error('the image service is not reachable'), { retryable: true });
      const images = new ImageServiceClient(url, payload.token ?? '');
      if (driver.cloneImage) {
        // a backend that reaches the image's data where it lies clones it instead of copying
        const image = await images.show(source.id);
        const cloned = image && (await driver.cloneImage(ref, { locations: imageDataLocations(image), diskFormat: source.diskFormat }));
        if (cloned) return cloned;
      }
      const data = await images.download(source.id);
      const unhook = destroyOnAbort(signal, data);
      try {
        return await driver.createVolumeFromImage(ref, { data, diskFormat: source.diskFormat, sizeBytes: source.sizeBytes });
      } finally {
        unhook();
        data.destroy();
      }
    }
    case 'backup': {
      if (!env.backup) throw new Error('no backup driver is configured');
      const backup = await getBackup(env.db, source.id);
      if (!backup) throw new Error(`backup ${source.id} no longer exists`);
      const location = await driver.createVolume(ref);
      const parent = backup.parent_id ? await getBackup(env.db, backup.parent_id) : undefined;
      const bref: BackupRef = {
        id: backup.id,
        volumeId: backup.volume_id,
        sizeGb: Number(backup.size),
        location: backup.location ? fromDbJson(backup.location) : undefined,
        parent: parent?.location ? { id: parent.id, location: fromDbJson(parent.location) } : undefined,
      };
      const data = await env.backup.restore(bref);
      const unhook = destroyOnAbort(signal, data);
      try {
        await driver.writeVolume({ ...ref, providerLocation: location }, data);
      } finally {
        unhook();
      }
      return location;
    }
  }
}

async function bootableOf(env: BlockStorageEnv, payload: CreateVolumePayload, volume: VolumeRow): Promise<number> {
  const source = payload.source;
  if (source.kind === 'image') return 1;
  if (source.kind === 'volume') return Number((await getVolume(env.db, source.id))?.bootable ?? volume.bootable);
  if (source.kind === 'snapshot') {
    const snap = await getSnapshot(env.db, source.id);
    const parent = snap && (await getVolume(env.db, snap.volume_id));
    return Number(parent?.bootable ?? volume.bootable);
  }
  return Number(volume.bootable);
}
