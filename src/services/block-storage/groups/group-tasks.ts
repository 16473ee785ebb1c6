import type { Kysely } from 'kysely';
import { toDbJson, toDbTime } from '../../../core/db/index.ts';
import { TaskError, type TaskHandler } from '../../../core/tasks/index.ts';
import { snapshotRef, volumeRef } from '../data-plane/volume-refs.ts';
import type { Backend, BlockStorageEnv } from '../env.ts';
import {
  deleteGroupRow,
  deleteGroupSnapshotRow,
  getGroup,
  getGroupSnapshot,
  groupVolumes,
  snapshotsOfGroupSnapshot,
  updateGroup,
  updateGroupSnapshot,
} from '../store/groups.ts';
import { deleteSnapshotRow, getSnapshot, updateSnapshot } from '../store/snapshots.ts';
import type { BlockStorageTables } from '../store/tables.ts';
import { deleteVolumeRow, getVolume, transitionVolume } from '../store/volumes.ts';
import { backendOfHost } from '../volumes/scheduler.ts';

/** Who asked: user messages and logs carry it. */
interface Requested {
  readonly requestId: string;
  readonly projectId: string;
}

/** A member of a group made from a source: the new volume and what it copies. */
export interface GroupMemberSource {
  readonly volumeId: string;
  readonly kind: 'volume' | 'snapshot';
  readonly sourceId: string;
}

export interface GroupTaskKinds {
  'group.create_from_src': Requested & { readonly members: readonly GroupMemberSource[] };
  'group.delete': Requested;
  'group_snapshot.create': Requested;
  'group_snapshot.delete': Requested;
}

function backendOrRetry(
  env: BlockStorageEnv,
  host: string | null,
  what: string,
): Backend | undefined {
  if (!host) return undefined;
  const backend = backendOfHost(env, host);
  if (!backend)
    throw new TaskError(
      'block_storage.backend_unavailable',
      `the backend of ${what} (host ${host}) is not running`,
      { retryable: true },
    );
  return backend;
}

async function failGroupMembers(
  db: Kysely<BlockStorageTables>,
  groupId: string,
  from: string,
  to: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('block_storage_volume')
    .set({ status: to, updated_at: now })
    .where('group_id', '=', groupId)
    .where('status', '=', from)
    .execute();
}

/**
 * group.create_from_src: the backend of the new group copies each source volume (or the
 * volume of each source snapshot) into the group's new volumes, then the group is available.
 * Each copy is idempotent and a member already available is skipped, so a resumed run goes on.
 */
function createFromSourceTask(
  env: BlockStorageEnv,
): TaskHandler<GroupTaskKinds['group.create_from_src'], BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const group = await getGroup(env.db, ctx.task.resourceId);
      if (!group || group.status !== 'creating') return;
      const backend = backendOrRetry(env, group.host, `group ${group.id}`);
      if (!backend)
        throw new TaskError('block_storage.no_host', `group ${group.id} has no backend`);
      for (const member of ctx.task.payload.members) {
        ctx.signal.throwIfAborted();
        const volume = await getVolume(env.db, member.volumeId);
        if (!volume || volume.status !== 'creating') continue;
        const ref = { id: volume.id, sizeGb: Number(volume.size) };
        let location;
        let bootable = volume.bootable;
        if (member.kind === 'volume') {
          const source = await getVolume(env.db, member.sourceId);
          if (!source)
            throw new TaskError(
              'block_storage.source_gone',
              `source volume ${member.sourceId} no longer exists`,
            );
          location = await backend.driver.cloneVolume(ref, volumeRef(source));
          bootable = source.bootable;
        } else {
          const snap = await getSnapshot(env.db, member.sourceId);
          const parent = snap && (await getVolume(env.db, snap.volume_id));
          if (!snap || !parent)
            throw new TaskError(
              'block_storage.source_gone',
              `snapshot ${member.sourceId} no longer exists`,
            );
          location = await backend.driver.createVolumeFromSnapshot(ref, snapshotRef(snap, parent));
          bootable = parent.bootable;
        }
        const now = toDbTime(env.now());
        await transitionVolume(
          env.db,
          volume.id,
          {
            status: 'available',
            provider_location: toDbJson(location),
            bootable,
            launched_at: now,
            updated_at: now,
          },
          ['creating'],
        );
      }
      await updateGroup(env.db, group.id, { status: 'available' }, ['creating']);
    },
    async onFailed({ task, trx }) {
      await updateGroup(trx, task.resourceId, { status: 'error' }, ['creating']);
      await failGroupMembers(trx, task.resourceId, 'creating', 'error', toDbTime(env.now()));
    },
  };
}

/** group.delete: the member volumes on their backends and as rows, then the group. */
function deleteGroupTask(
  env: BlockStorageEnv,
): TaskHandler<GroupTaskKinds['group.delete'], BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const group = await getGroup(env.db, ctx.task.resourceId);
      if (!group || group.status !== 'deleting') return;
      for (const volume of await groupVolumes(env.db, group.id)) {
        ctx.signal.throwIfAborted();
        const backend = backendOrRetry(env, volume.host, `volume ${volume.id}`);
        if (backend) await backend.driver.deleteVolume(volumeRef(volume));
        await deleteVolumeRow(env.db, volume.id);
      }
      await env.db.transaction().execute(async (trx) => {
        const still = await getGroup(trx, group.id);
        if (still?.status === 'deleting') await deleteGroupRow(trx, group.id);
      });
    },
    async onFailed({ task, trx }) {
      await updateGroup(trx, task.resourceId, { status: 'error_deleting' }, ['deleting']);
      await failGroupMembers(
        trx,
        task.resourceId,
        'deleting',
        'error_deleting',
        toDbTime(env.now()),
      );
    },
  };
}

/** group_snapshot.create: a backend snapshot of each member volume, then the group snapshot is available. */
function createGroupSnapshotTask(
  env: BlockStorageEnv,
): TaskHandler<GroupTaskKinds['group_snapshot.create'], BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const gs = await getGroupSnapshot(env.db, ctx.task.resourceId);
      if (!gs || gs.status !== 'creating') return;
      for (const snap of await snapshotsOfGroupSnapshot(env.db, gs.id)) {
        ctx.signal.throwIfAborted();
        if (snap.status !== 'creating') continue;
        const volume = await getVolume(env.db, snap.volume_id);
        if (!volume)
          throw new TaskError(
            'block_storage.volume_gone',
            `volume ${snap.volume_id} no longer exists`,
          );
        const backend = backendOrRetry(env, volume.host, `volume ${volume.id}`);
        if (!backend)
          throw new TaskError('block_storage.no_host', `volume ${volume.id} has no backend`);
        const location = await backend.driver.createSnapshot(snapshotRef(snap, volume));
        await updateSnapshot(
          env.db,
          snap.id,
          {
            status: 'available',
            progress: '100%',
            provider_location: toDbJson(location),
            updated_at: toDbTime(env.now()),
          },
          ['creating'],
        );
      }
      await updateGroupSnapshot(env.db, gs.id, { status: 'available' }, ['creating']);
    },
    async onFailed({ task, trx }) {
      await updateGroupSnapshot(trx, task.resourceId, { status: 'error' }, ['creating']);
      await trx
        .updateTable('block_storage_snapshot')
        .set({ status: 'error', updated_at: toDbTime(env.now()) })
        .where('group_snapshot_id', '=', task.resourceId)
        .where('status', '=', 'creating')
        .execute();
    },
  };
}

/** group_snapshot.delete: each member snapshot on its backend and as a row, then the group snapshot. */
function deleteGroupSnapshotTask(
  env: BlockStorageEnv,
): TaskHandler<GroupTaskKinds['group_snapshot.delete'], BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const gs = await getGroupSnapshot(env.db, ctx.task.resourceId);
      if (!gs || gs.status !== 'deleting') return;
      for (const snap of await snapshotsOfGroupSnapshot(env.db, gs.id)) {
        ctx.signal.throwIfAborted();
        const volume = await getVolume(env.db, snap.volume_id);
        const backend = volume
          ? backendOrRetry(env, volume.host, `volume ${volume.id}`)
          : undefined;
        if (backend && volume) await backend.driver.deleteSnapshot(snapshotRef(snap, volume));
        await deleteSnapshotRow(env.db, snap.id);
      }
      await env.db.transaction().execute(async (trx) => {
        const still = await getGroupSnapshot(trx, gs.id);
        if (still?.status === 'deleting') await deleteGroupSnapshotRow(trx, gs.id);
      });
    },
    async onFailed({ task, trx }) {
      await updateGroupSnapshot(trx, task.resourceId, { status: 'error_deleting' }, ['deleting']);
      await trx
        .updateTable('block_storage_snapshot')
        .set({ status: 'error_deleting', updated_at: toDbTime(env.now()) })
        .where('group_snapshot_id', '=', task.resourceId)
        .where('status', '=', 'deleting')
        .execute();
    },
  };
}

/** Registers the group task handlers on the service's queue (before it starts). */
export function registerGroupTasks(env: BlockStorageEnv): void {
  env.tasks
    .register('group.create_from_src', createFromSourceTask(env))
    .register('group.delete', deleteGroupTask(env))
    .register('group_snapshot.create', createGroupSnapshotTask(env))
    .register('group_snapshot.delete', deleteGroupSnapshotTask(env));
}
