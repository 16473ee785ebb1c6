import { randomUUID } from 'node:crypto';
import { toDbJson, toDbTime } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import {
  backupsOfVolume,
  backupsWithDependents,
  deleteBackupRow,
  insertBackup,
  updateBackup,
  type BackupRow,
} from '../store/backups.ts';
import type { Metadata } from '../store/owned-metadata.ts';
import { updateSnapshot, type SnapshotRow } from '../store/snapshots.ts';
import {
  getVolume,
  getVolumeMetadata,
  transitionVolume,
  type VolumeRow,
} from '../store/volumes.ts';
import type { Caller } from '../volumes/caller.ts';
import { createVolume } from '../volumes/create-volume.ts';
import type {
  BackupVolumeMeta,
  CreateBackupPayload,
  DeleteBackupPayload,
  RestoreBackupPayload,
} from './backup-task-kinds.ts';

/** Every status a backup may be reset to (Cinder's backup_status format). */
export const BACKUP_RESET_STATUSES = ['available', 'error'] as const;

const invalidBackup = (reason: string) => blockStorageErrors.invalid(`Invalid backup: ${reason}`);
const invalidVolume = (reason: string) => blockStorageErrors.invalid(`Invalid volume: ${reason}`);

/** Cinder answers 503 when no backup service runs; so do we when no backup driver is configured. */
export function assertBackupService(env: BlockStorageEnv): void {
  if (!env.backup) {
    throw new ApiError(
      503,
      'block_storage.backup_service_unavailable',
      'Service cinder-backup could not be found.',
    );
  }
}

export interface CreateBackupRequest {
  readonly name: string | null;
  readonly description: string | null;
  readonly container: string | null;
  readonly incremental: boolean;
  readonly force: boolean;
  readonly snapshot: SnapshotRow | undefined;
  readonly metadata: Metadata;
  readonly availabilityZone: string | null;
}

/**
 * The parent of an incremental backup (Cinder's rule): the volume's backup with the latest
 * data; from a snapshot, the latest one whose data is older than the snapshot.
 */
async function incrementalParent(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  snapshot: SnapshotRow | undefined,
) {
  const candidates = (await backupsOfVolume(env.db, volume.id, caller.projectId)).filter(
    (b) => !snapshot || b.data_timestamp < snapshot.created_at,
  );
  const parent = candidates[0];
  if (!parent) throw invalidBackup('No backups available to do an incremental backup.');
  if (parent.status !== 'available')
    throw invalidBackup('The parent backup must be available for incremental backup.');
  return parent;
}

/** What the volume carries into a restore besides its data. */
async function volumeMetaOf(env: BlockStorageEnv, volume: VolumeRow): Promise<BackupVolumeMeta> {
  return {
    metadata: await getVolumeMetadata(env.db, 'user', volume.id),
    imageMetadata: await getVolumeMetadata(env.db, 'image', volume.id),
    bootable: Number(volume.bootable) === 1,
  };
}

/**
 * POST /backups, the API half (Cinder's backup API create): checks the volume or snapshot,
 * the quota, finds an incremental's parent, then in one transaction marks the source
 * backing-up and records the backup (creating) with its task.
 */
export async function createBackup(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  req: CreateBackupRequest,
): Promise<BackupRow> {
  assertBackupService(env);
  const snapshot = req.snapshot;
  if (snapshot) {
    if (snapshot.volume_id !== volume.id) {
      throw invalidVolume(
        `Volume ${volume.id} does not match with snapshot.volume_id ${snapshot.volume_id}.`,
      );
    }
    if (snapshot.status !== 'available') {
      throw blockStorageErrors.invalid(
        `Invalid snapshot: Snapshot to be backed up must be available, but the current status is "${snapshot.status}".`,
      );
    }
  } else if (!['available', 'in-use'].includes(volume.status)) {
    throw invalidVolume(
      `Volume to be backed up must be available or in-use, but the current status is "${volume.status}".`,
    );
  } else if (volume.status === 'in-use' && !req.force) {
    throw invalidVolume('Backing up an in-use volume must use the force flag.');
  }
  const parent = req.incremental
    ? await incrementalParent(env, caller, volume, snapshot)
    : undefined;
  const now = toDbTime(env.now());
  const row: BackupRow = {
    id: randomUUID(),
    volume_id: volume.id,
    snapshot_id: snapshot?.id ?? null,
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    size: Number(volume.size),
    status: 'creating',
    fail_reason: null,
    availability_zone: req.availabilityZone ?? env.settings.default_availability_zone,
    container: req.container,
    object_count: 0,
    is_incremental: parent ? 1 : 0,
    parent_id: parent?.id ?? null,
    location: null,
    data_timestamp: snapshot?.created_at ?? now,
    created_at: now,
    updated_at: null,
    volume_meta: toDbJson(await volumeMetaOf(env, volume)),
    restore_volume_id: null,
  };
  const payload: CreateBackupPayload = { requestId: caller.requestId, projectId: caller.projectId };
  await env.db.transaction().execute(async (trx) => {
    await assertWithinQuota(trx, env.settings, caller.projectId, {
      backups: 1,
      backup_gigabytes: row.size,
    });
    const claimed = snapshot
      ? await updateSnapshot(trx, snapshot.id, { status: 'backing-up', updated_at: now }, [
          'available',
        ])
      : await transitionVolume(
          trx,
          volume.id,
          { status: 'backing-up', updated_at: now },
          req.force ? ['available', 'in-use'] : ['available'],
        );
    if (!claimed) {
      throw snapshot
        ? blockStorageErrors.invalid(
            'Invalid snapshot: Snapshot to be backed up must be available.',
          )
        : invalidVolume('Volume to be backed up must be available or in-use.');
    }
    await insertBackup(trx, row, req.metadata);
    await env.tasks.enqueue(trx, { kind: 'backup.create', resourceId: row.id, payload });
  });
  env.tasks.wake();
  return row;
}

/**
 * DELETE /backups/{id} (and os-force_delete with `force`): an available or failed backup
 * that no incremental depends on becomes deleting and its task removes the data and row.
 * Without a backup driver, a backup that never stored anything goes at once.
 */
export async function deleteBackup(
  env: BlockStorageEnv,
  caller: Pick<Caller, 'requestId' | 'projectId'>,
  backup: BackupRow,
  opts: { force: boolean },
): Promise<void> {
  if (!opts.force && !['available', 'error'].includes(backup.status)) {
    throw invalidBackup('Backup status must be available or error');
  }
  if ((await backupsWithDependents(env.db, [backup.id])).has(backup.id)) {
    throw invalidBackup('Incremental backups exist for this backup.');
  }
  // Without a backup driver nothing can have been stored; with one, a create that failed
  // part way may have left data under the backup's id, which the delete task removes.
  if (backup.location === null && backup.status !== 'creating' && !env.backup) {
    await deleteBackupRow(env.db, backup.id);
    return;
  }
  assertBackupService(env);
  const payload: DeleteBackupPayload = { requestId: caller.requestId, projectId: caller.projectId };
  await env.db.transaction().execute(async (trx) => {
    const ok = await updateBackup(
      trx,
      backup.id,
      { status: 'deleting', updated_at: toDbTime(env.now()) },
      opts.force ? undefined : ['available', 'error'],
    );
    if (!ok) throw invalidBackup('Backup status must be available or error');
    await env.tasks.enqueue(trx, { kind: 'backup.delete', resourceId: backup.id, payload });
  });
  env.tasks.wake();
}

/** The answer to a restore: which volume the backup is being written to. */
export interface RestoreTarget {
  readonly backupId: string;
  readonly volumeId: string;
  readonly volumeName: string;
}

/**
 * POST /backups/{id}/restore: onto an existing available volume at least as big, or onto a
 * new one made for it (named restore_backup_<id> unless named). The backup is restoring
 * and the volume restoring-backup until the task has written the data.
 */
export async function restoreBackup(
  env: BlockStorageEnv,
  caller: Caller,
  backup: BackupRow,
  opts: { volume: VolumeRow | undefined; name: string | null },
): Promise<RestoreTarget> {
  assertBackupService(env);
  if (backup.status !== 'available') throw invalidBackup('Backup status must be available');
  let volume = opts.volume;
  if (volume === undefined) {
    const created = await createVolume(env, caller, {
      size: Number(backup.size),
      name: opts.name ?? `restore_backup_${backup.id}`,
      description: 'auto-created_from_restore_from_backup',
    });
    volume = await createdVolume(env, created, backup.id);
  }
  // A new volume still creating after the wait is taken over by the task once it exists.
  const newVolume = volume.status === 'creating';
  if (!newVolume) {
    if (volume.status !== 'available')
      throw invalidVolume('Volume to be restored to must be available');
    if (Number(backup.size) > Number(volume.size)) {
      throw invalidVolume(
        `volume size ${volume.size} is too small to restore backup of size ${backup.size}.`,
      );
    }
  }
  const target = volume;
  const now = toDbTime(env.now());
  const payload: RestoreBackupPayload = {
    requestId: caller.requestId,
    projectId: caller.projectId,
    volumeId: target.id,
    newVolume,
  };
  await env.db.transaction().execute(async (trx) => {
    if (
      !(await updateBackup(
        trx,
        backup.id,
        { status: 'restoring', restore_volume_id: target.id, updated_at: now },
        ['available'],
      ))
    ) {
      throw invalidBackup('Backup status must be available');
    }
    if (
      !newVolume &&
      !(await transitionVolume(trx, target.id, { status: 'restoring-backup', updated_at: now }, [
        'available',
      ]))
    ) {
      throw invalidVolume('Volume to be restored to must be available');
    }
    await env.tasks.enqueue(trx, { kind: 'backup.restore', resourceId: backup.id, payload });
  });
  env.tasks.wake();
  return { backupId: backup.id, volumeId: target.id, volumeName: target.name ?? '' };
}

/** How long a restore waits for the volume it made, as Cinder's API does, before leaving it to the task. */
const NEW_VOLUME_WAIT_MS = 120_000;

/**
 * Waits for a volume made for a restore to leave `creating`, so the restore can claim it
 * (available -> restoring-backup) before anyone sees it available and empty.
 */
async function createdVolume(
  env: BlockStorageEnv,
  volume: VolumeRow,
  backupId: string,
): Promise<VolumeRow> {
  const deadline = Date.now() + NEW_VOLUME_WAIT_MS;
  let delay = 20;
  let current = volume;
  while (current.status === 'creating' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
    current = (await getVolume(env.db, volume.id)) ?? { ...current, status: 'error' };
  }
  if (current.status === 'error') {
    throw invalidVolume(
      `Error while creating volume ${volume.id} for restoring backup ${backupId}.`,
    );
  }
  return current;
}

/** os-reset_status (admin): the backup's status is set as given. */
export async function resetBackupStatus(
  env: BlockStorageEnv,
  backup: BackupRow,
  status: string,
): Promise<void> {
  await updateBackup(env.db, backup.id, { status, updated_at: toDbTime(env.now()) });
}
