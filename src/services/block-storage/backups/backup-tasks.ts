import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { fromDbJson, toDbJson, toDbTime } from '../../../core/db/index.ts';
import { TaskError, type TaskContext, type TaskHandler } from '../../../core/tasks/index.ts';
import { settleVolumeStatus } from '../attachments/attach-state.ts';
import { snapshotRef, volumeRef } from '../data-plane/volume-refs.ts';
import { destroyOnAbort } from '../data-plane/stream-abort.ts';
import type {
  BackupDriver,
  BackupRef,
  ProviderLocation,
  VolumeDriver,
  VolumeRef,
} from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { getBackup, deleteBackupRow, updateBackup, type BackupRow } from '../store/backups.ts';
import { createMessage, type MessageAction, type MessageDetail } from '../store/messages.ts';
import { getSnapshot, updateSnapshot } from '../store/snapshots.ts';
import type { BlockStorageTables } from '../store/tables.ts';
import { getVolume, setVolumeMetadata, transitionVolume } from '../store/volumes.ts';
import { backendOfHost } from '../volumes/scheduler.ts';
import type {
  BackupVolumeMeta,
  CreateBackupPayload,
  DeleteBackupPayload,
  RestoreBackupPayload,
} from './backup-task-kinds.ts';

type Db = Kysely<BlockStorageTables>;

function backupDriver(env: BlockStorageEnv): BackupDriver {
  if (!env.backup)
    throw new TaskError(
      'block_storage.backup_service_unavailable',
      'no backup driver is configured',
    );
  return env.backup;
}

function driverOf(env: BlockStorageEnv, host: string | null): VolumeDriver {
  const backend = backendOfHost(env, host);
  if (!backend) {
    throw new TaskError(
      'block_storage.backend_unavailable',
      `the backend of host ${host ?? 'none'} is not running`,
      {
        retryable: true,
      },
    );
  }
  return backend.driver;
}

/** The port's view of a stored backup, with the parent an incremental builds on. */
export async function backupRef(db: Db, backup: BackupRow): Promise<BackupRef> {
  const parent = backup.parent_id ? await getBackup(db, backup.parent_id) : undefined;
  return {
    id: backup.id,
    volumeId: backup.volume_id,
    sizeGb: Number(backup.size),
    location: backup.location ? fromDbJson<ProviderLocation>(backup.location) : undefined,
    parent: parent?.location
      ? { id: parent.id, location: fromDbJson<ProviderLocation>(parent.location) }
      : undefined,
  };
}

async function recordMessage(
  env: BlockStorageEnv,
  db: Db,
  payload: { projectId: string; requestId: string },
  resourceUuid: string,
  action: MessageAction,
  detail: MessageDetail,
): Promise<void> {
  await createMessage(
    db,
    {
      projectId: payload.projectId,
      requestId: payload.requestId,
      resourceType: 'VOLUME_BACKUP',
      resourceUuid,
      action,
      detail,
    },
    { now: env.now() },
  );
}

/** Gives the volume or snapshot a backup was taken from its status back. */
async function releaseSource(env: BlockStorageEnv, db: Db, backup: BackupRow): Promise<void> {
  const now = toDbTime(env.now());
  if (backup.snapshot_id) {
    await updateSnapshot(db, backup.snapshot_id, { status: 'available', updated_at: now }, [
      'backing-up',
    ]);
    return;
  }
  const volume = await getVolume(db, backup.volume_id);
  if (volume?.status === 'backing-up') await settleVolumeStatus(db, volume.id, now);
}

/** The data to back up: the volume's, or a snapshot's through a temporary volume made from it. */
async function sourceData(
  env: BlockStorageEnv,
  ctx: TaskContext<CreateBackupPayload>,
  backup: BackupRow,
): Promise<{ data: Readable; cleanup: () => Promise<void> }> {
  const volume = await getVolume(env.db, backup.volume_id);
  if (!volume)
    throw new TaskError('block_storage.volume_gone', `volume ${backup.volume_id} no longer exists`);
  const driver = driverOf(env, volume.host);
  if (!backup.snapshot_id)
    return { data: await driver.readVolume(volumeRef(volume)), cleanup: async () => {} };
  const snapshot = await getSnapshot(env.db, backup.snapshot_id);
  if (!snapshot)
    throw new TaskError(
      'block_storage.snapshot_gone',
      `snapshot ${backup.snapshot_id} no longer exists`,
    );
  let tempId = ctx.task.payload.tempVolumeId;
  if (tempId === undefined) {
    tempId = randomUUID();
    // Recorded before the volume exists, so a resumed run cleans up what this one made.
    await ctx.setStep('temp-volume-chosen', { tempVolumeId: tempId });
  }
  const temp: VolumeRef = { id: tempId, sizeGb: Number(snapshot.size) };
  const location = await driver.createVolumeFromSnapshot(temp, snapshotRef(snapshot, volume));
  const placed = { ...temp, providerLocation: location };
  const cleanup = () => driver.deleteVolume(placed);
  try {
    return { data: await driver.readVolume(placed), cleanup };
  } catch (err) {
    // Not handed to the caller yet: remove the temporary volume here, or it stays orphaned.
    await cleanup().catch(() => undefined);
    throw err;
  }
}

/**
 * backup.create: streams the volume's (or snapshot's) data into the backup driver, then
 * in one transaction marks the backup available with where its data is and gives the
 * source its status back. Asking the driver again after a crash overwrites the same backup.
 */
export function createBackupTask(
  env: BlockStorageEnv,
): TaskHandler<CreateBackupPayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const backup = await getBackup(env.db, ctx.task.resourceId);
      if (!backup || backup.status !== 'creating') return;
      const driver = backupDriver(env);
      const source = await sourceData(env, ctx, backup);
      let result: { location: ProviderLocation; objectCount: number };
      const unhook = destroyOnAbort(ctx.signal, source.data);
      try {
        result = await driver.backup(await backupRef(env.db, backup), source.data);
      } finally {
        unhook();
        await source.cleanup();
      }
      ctx.signal.throwIfAborted();
      await env.db.transaction().execute(async (trx) => {
        const done = await updateBackup(
          trx,
          backup.id,
          {
            status: 'available',
            location: toDbJson(result.location),
            object_count: result.objectCount,
            updated_at: toDbTime(env.now()),
          },
          ['creating'],
        );
        if (done) await releaseSource(env, trx, backup);
      });
    },
    async onFailed({ task, failure, trx }) {
      const backup = await getBackup(trx, task.resourceId);
      if (!backup) return;
      await updateBackup(
        trx,
        backup.id,
        {
          status: 'error',
          fail_reason: failure.message.slice(0, 2000),
          updated_at: toDbTime(env.now()),
        },
        ['creating'],
      );
      await releaseSource(env, trx, backup);
      await recordMessage(
        env,
        trx,
        task.payload,
        backup.id,
        'backupCreate',
        'backupCreateDriverError',
      );
    },
  };
}

/** backup.delete: the driver drops the data (gone data is fine), then the row and metadata go. */
export function deleteBackupTask(
  env: BlockStorageEnv,
): TaskHandler<DeleteBackupPayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const backup = await getBackup(env.db, ctx.task.resourceId);
      if (!backup || backup.status !== 'deleting') return;
      // Also without a location: a failed create may have stored part of the data.
      await backupDriver(env).delete(await backupRef(env.db, backup));
      ctx.signal.throwIfAborted();
      await env.db.transaction().execute(async (trx) => {
        const still = await getBackup(trx, backup.id);
        if (still?.status === 'deleting') await deleteBackupRow(trx, backup.id);
      });
    },
    async onFailed({ task, failure, trx }) {
      await updateBackup(
        trx,
        task.resourceId,
        {
          status: 'error',
          fail_reason: failure.message.slice(0, 2000),
          updated_at: toDbTime(env.now()),
        },
        ['deleting'],
      );
      await recordMessage(
        env,
        trx,
        task.payload,
        task.resourceId,
        'backupDelete',
        'backupDeleteDriverError',
      );
    },
  };
}

/** A volume made for a restore that is still being created: try again shortly. */
class VolumeNotReady extends TaskError {
  constructor(volumeId: string) {
    super('block_storage.restore_volume_not_ready', `volume ${volumeId} is still being created`, {
      retryable: true,
    });
  }
}

/** Gives a restored volume what the backup kept of its source: metadata, image metadata, bootable. */
async function applyVolumeMeta(db: Db, volumeId: string, backup: BackupRow): Promise<void> {
  if (backup.volume_meta === null) return;
  const meta = fromDbJson<BackupVolumeMeta>(backup.volume_meta);
  await setVolumeMetadata(db, 'user', volumeId, meta.metadata, false);
  if (Object.keys(meta.imageMetadata).length)
    await setVolumeMetadata(db, 'image', volumeId, meta.imageMetadata, false);
  if (meta.bootable) await transitionVolume(db, volumeId, { bootable: 1 });
}

/**
 * backup.restore: waits for a volume made for the restore to exist, writes the backup's
 * data over the volume (the driver resolves an incremental chain), gives it the source's
 * metadata and bootable flag, and makes both available again.
 */
export function restoreBackupTask(
  env: BlockStorageEnv,
): TaskHandler<RestoreBackupPayload, BlockStorageTables> {
  return {
    // Mostly waiting for a new volume's create task: short, capped delays.
    retry: { maxAttempts: 40, baseDelayMs: 250, maxDelayMs: 3_000 },
    async run(ctx) {
      const backup = await getBackup(env.db, ctx.task.resourceId);
      if (!backup || backup.status !== 'restoring') return;
      const { volumeId } = ctx.task.payload;
      let volume = await getVolume(env.db, volumeId);
      if (!volume)
        throw new TaskError('block_storage.volume_gone', `volume ${volumeId} no longer exists`);
      if (volume.status === 'creating') throw new VolumeNotReady(volumeId);
      if (ctx.task.payload.newVolume && volume.status === 'available') {
        await transitionVolume(
          env.db,
          volumeId,
          { status: 'restoring-backup', updated_at: toDbTime(env.now()) },
          ['available'],
        );
        volume = (await getVolume(env.db, volumeId)) ?? volume;
      }
      if (volume.status !== 'restoring-backup') {
        throw new TaskError(
          'block_storage.restore_volume_state',
          `volume ${volumeId} is ${volume.status}, not restoring-backup`,
        );
      }
      const driver = driverOf(env, volume.host);
      const data = await backupDriver(env).restore(await backupRef(env.db, backup));
      const unhook = destroyOnAbort(ctx.signal, data);
      try {
        await driver.writeVolume(volumeRef(volume), data);
      } finally {
        unhook();
      }
      ctx.signal.throwIfAborted();
      const now = toDbTime(env.now());
      await env.db.transaction().execute(async (trx) => {
        await applyVolumeMeta(trx, volumeId, backup);
        await transitionVolume(trx, volumeId, { status: 'available', updated_at: now }, [
          'restoring-backup',
        ]);
        await updateBackup(
          trx,
          backup.id,
          { status: 'available', restore_volume_id: null, updated_at: now },
          ['restoring'],
        );
      });
    },
    async onFailed({ task, trx }) {
      const now = toDbTime(env.now());
      await transitionVolume(
        trx,
        task.payload.volumeId,
        { status: 'error_restoring', updated_at: now },
        ['restoring-backup', 'creating', 'available'],
      );
      await updateBackup(
        trx,
        task.resourceId,
        { status: 'available', restore_volume_id: null, updated_at: now },
        ['restoring'],
      );
      await recordMessage(
        env,
        trx,
        task.payload,
        task.resourceId,
        'backupRestore',
        'backupRestoreError',
      );
    },
  };
}
