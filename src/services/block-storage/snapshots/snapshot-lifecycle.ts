import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import type { Metadata } from '../store/owned-metadata.ts';
import {
  getSnapshot,
  insertSnapshot,
  updateSnapshot,
  type SnapshotRow,
} from '../store/snapshots.ts';
import { volumeTypeName } from '../store/volume-type-names.ts';
import type { VolumeRow } from '../store/volumes.ts';
import type { Caller } from '../volumes/caller.ts';
import type { SnapshotTaskPayload } from './snapshot-tasks.ts';

/** Every status a snapshot may be given by os-reset_status (Cinder's SnapshotStatus). */
export const SNAPSHOT_STATUSES = [
  'error',
  'available',
  'creating',
  'deleting',
  'deleted',
  'updating',
  'error_deleting',
  'unmanaging',
  'backing-up',
  'restoring',
] as const;

const invalidVolume = (reason: string) => blockStorageErrors.invalid(`Invalid volume: ${reason}`);
const invalidSnapshot = (reason: string) =>
  blockStorageErrors.invalid(`Invalid snapshot: ${reason}`);

export interface CreateSnapshotRequest {
  readonly name: string | null;
  readonly description: string | null;
  readonly metadata: Metadata;
  /** An in-use volume may be snapshotted (force before 3.66, always from 3.66). */
  readonly allowInUse: boolean;
}

/** Cinder's _create_snapshot_in_db_validate: states of a volume no snapshot can be taken in. */
function assertSnapshottable(volume: VolumeRow): void {
  if (!volume.host)
    throw invalidVolume(
      'The snapshot cannot be created because volume has not been scheduled to any host.',
    );
  if (volume.status === 'maintenance')
    throw invalidVolume('The snapshot cannot be created when the volume is in maintenance mode.');
  if (volume.migration_status !== null && !['success', 'error'].includes(volume.migration_status)) {
    throw invalidVolume('Snapshot cannot be created while volume is migrating.');
  }
  if (volume.status === 'error')
    throw invalidVolume('The snapshot cannot be created when the volume is in error status.');
}

/**
 * POST /snapshots, the API half: checks the volume, the quota (snapshots and gigabytes,
 * per type too) and records the snapshot, creating, with its task in one transaction.
 */
export async function createSnapshot(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  req: CreateSnapshotRequest,
): Promise<SnapshotRow> {
  assertSnapshottable(volume);
  const valid = req.allowInUse ? ['available', 'in-use'] : ['available'];
  const statusError = (status: string) =>
    invalidVolume(
      `Volume ${volume.id} status must be ${valid.join(', ')}, but current status is: ${status}.`,
    );
  if (!valid.includes(volume.status)) throw statusError(volume.status);
  const now = toDbTime(env.now());
  const row: SnapshotRow = {
    id: randomUUID(),
    volume_id: volume.id,
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    size: Number(volume.size),
    status: 'creating',
    progress: '0%',
    provider_location: null,
    group_snapshot_id: null,
    created_at: now,
    updated_at: null,
  };
  const payload: SnapshotTaskPayload = { requestId: caller.requestId, projectId: caller.projectId };
  await env.db.transaction().execute(async (trx) => {
    const typeName = await volumeTypeName(trx, volume.volume_type_id);
    await assertWithinQuota(
      trx,
      env.settings,
      caller.projectId,
      { snapshots: 1, gigabytes: Number(volume.size) },
      typeName,
    );
    await insertSnapshot(trx, row, req.metadata);
    // Cinder checks the volume again once the snapshot row exists: a racing detach or
    // delete must not leave a snapshot of a volume in the wrong state.
    const current = await trx
      .selectFrom('block_storage_volume')
      .select('status')
      .where('id', '=', volume.id)
      .executeTakeFirst();
    if (!current || !valid.includes(current.status))
      throw statusError(current?.status ?? 'deleted');
    await env.tasks.enqueue(trx, { kind: 'snapshot.create', resourceId: row.id, payload });
  });
  env.tasks.wake();
  return row;
}

/**
 * DELETE /snapshots/{id} (and os-force_delete with `force`): an available or failed
 * snapshot, not part of a group snapshot, becomes deleting and its task removes it.
 */
export async function deleteSnapshot(
  env: BlockStorageEnv,
  caller: Pick<Caller, 'requestId' | 'projectId'>,
  snapshot: SnapshotRow,
  opts: { force: boolean },
): Promise<void> {
  const expected = opts.force ? undefined : ['available', 'error'];
  await env.db.transaction().execute(async (trx) => {
    const current = await getSnapshot(trx, snapshot.id);
    const ok =
      current !== undefined &&
      current.group_snapshot_id === null &&
      (await updateSnapshot(
        trx,
        snapshot.id,
        { status: 'deleting', updated_at: toDbTime(env.now()) },
        expected,
      ));
    if (!ok) {
      throw invalidSnapshot(
        `Snapshot ${expected ? 'status must be available or error and ' : ''}must not be part of a group.`,
      );
    }
    const payload: SnapshotTaskPayload = {
      requestId: caller.requestId,
      projectId: caller.projectId,
    };
    await env.tasks.enqueue(trx, { kind: 'snapshot.delete', resourceId: snapshot.id, payload });
  });
  env.tasks.wake();
}

/** os-reset_status (admin): the status is set as given, nothing else changes. */
export async function resetSnapshotStatus(
  env: BlockStorageEnv,
  snapshot: SnapshotRow,
  status: string,
): Promise<void> {
  await updateSnapshot(env.db, snapshot.id, { status, updated_at: toDbTime(env.now()) });
}

/** Where os-update_snapshot_status may take a snapshot from each status it allows. */
const STATUS_UPDATES: Readonly<Record<string, readonly string[]>> = {
  creating: ['creating', 'available', 'error'],
  deleting: ['deleting', 'error_deleting'],
};

/**
 * os-update_snapshot_status: a backend that makes snapshots out of band (Nova's assisted
 * snapshots) reports progress; only creating and deleting snapshots may be moved, and
 * only forward.
 */
export async function updateSnapshotStatus(
  env: BlockStorageEnv,
  snapshot: SnapshotRow,
  status: string,
  progress: string | undefined,
): Promise<void> {
  const allowed = STATUS_UPDATES[snapshot.status];
  if (!allowed) {
    throw blockStorageErrors.invalid(
      `Snapshot status ${snapshot.status} not allowed for update_snapshot_status`,
    );
  }
  if (!allowed.includes(status)) {
    throw blockStorageErrors.invalid(
      `Provided snapshot status ${status} not allowed for snapshot with status ${snapshot.status}.`,
    );
  }
  const values: Partial<SnapshotRow> = { status, updated_at: toDbTime(env.now()) };
  if (progress !== undefined) values.progress = progress;
  await updateSnapshot(env.db, snapshot.id, values, [snapshot.status]);
}
