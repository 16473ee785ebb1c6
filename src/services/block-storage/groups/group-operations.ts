import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toDbTime } from '../../../core/db/index.ts';
import type { Backend, BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import { catalogErrors } from '../catalog-errors.ts';
import {
  deleteGroupRow,
  getGroup,
  getGroupSnapshot,
  groupHasSnapshots,
  groupVolumes,
  groupVolumeTypeIds,
  insertGroup,
  insertGroupSnapshot,
  setVolumesGroup,
  snapshotsOfGroupSnapshot,
  sourceOfCreatingGroup,
  updateGroup,
  updateGroupSnapshot,
  type GroupRow,
  type GroupSnapshotRow,
} from '../store/groups.ts';
import { findGroupType, groupTypeVisibleTo, type GroupTypeRow } from '../store/group-types.ts';
import {
  insertSnapshot,
  snapshotsOfVolume,
  updateSnapshot,
  type SnapshotRow,
} from '../store/snapshots.ts';
import type { BlockStorageTables, VolumeTable } from '../store/tables.ts';
import { getVolumeTypeRef, type VolumeTypeRef } from '../store/volume-type-refs.ts';
import { findVolumeType } from '../store/volume-types.ts';
import { getVolume, insertVolume } from '../store/volumes.ts';
import type { Caller } from '../volumes/caller.ts';
import { scheduleVolume } from '../volumes/scheduler.ts';
import type { GroupMemberSource, GroupTaskKinds } from './group-tasks.ts';

/** Volume statuses a volume may leave or join a group in (Cinder's group API). */
const REMOVABLE = ['available', 'in-use', 'error', 'error_deleting'];
const ADDABLE = ['available', 'in-use'];
/** Volume statuses a group snapshot can be taken in. */
const SNAPSHOTTABLE = ['available', 'in-use'];

type Db = Kysely<BlockStorageTables>;

function visible(caller: Caller, projectId: string): boolean {
  return caller.isAdmin || caller.projectId === projectId;
}

/** A group as Cinder's group_api.get finds it: other projects' groups do not exist for non-admins. */
export async function visibleGroup(
  env: BlockStorageEnv,
  caller: Caller,
  id: string,
  rule = 'group:get',
): Promise<GroupRow> {
  const g = await getGroup(env.db, id);
  if (!g || !visible(caller, g.project_id)) throw blockStorageErrors.groupNotFound(id);
  caller.authorize(rule, { project_id: g.project_id, user_id: g.user_id, id: g.id });
  return g;
}

export async function visibleGroupSnapshot(
  env: BlockStorageEnv,
  caller: Caller,
  id: string,
  rule = 'group:get_group_snapshot',
): Promise<GroupSnapshotRow> {
  const gs = await getGroupSnapshot(env.db, id);
  if (!gs || !visible(caller, gs.project_id)) throw blockStorageErrors.groupSnapshotNotFound(id);
  caller.authorize(rule, { project_id: gs.project_id, user_id: gs.user_id, id: gs.id });
  return gs;
}

/** Group types by id or name, private ones only for admins and the projects given them. */
export async function usableGroupType(
  env: BlockStorageEnv,
  caller: Caller,
  ref: string,
): Promise<GroupTypeRow> {
  const t = await findGroupType(env.db, ref);
  if (!t || (!caller.isAdmin && !(await groupTypeVisibleTo(env.db, t, caller.projectId))))
    throw blockStorageErrors.groupTypeNotFound(ref);
  return t;
}

function knownZones(env: BlockStorageEnv): Set<string> {
  return new Set([
    env.settings.default_availability_zone,
    ...env.backends.map((b) => b.availabilityZone),
  ]);
}

/** The backend that can hold volumes of every type of the group, most free space first (the group scheduler). */
async function scheduleGroup(
  env: BlockStorageEnv,
  types: readonly VolumeTypeRef[],
  zone: string,
): Promise<Backend | undefined> {
  let best: { backend: Backend; free: number } | undefined;
  for (const backend of env.backends) {
    let free = Number.POSITIVE_INFINITY;
    let fits = true;
    for (const volumeType of types) {
      const r = await scheduleVolume(env, {
        sizeGb: 0,
        volumeType,
        availabilityZone: zone,
        backendHost: backend.host,
      });
      if (!r.ok) {
        fits = false;
        break;
      }
      free = Math.min(free, r.stats.freeCapacityGb);
    }
    if (fits && (!best || free > best.free)) best = { backend, free };
  }
  return best?.backend;
}

export interface NewGroup {
  readonly name: string | null;
  readonly description: string | null;
  readonly groupType: string;
  readonly volumeTypes: readonly string[];
  readonly availabilityZone: string | null;
}

/**
 * POST /groups: the group is placed on a backend that supports all its volume types (in
 * error when none does, as Cinder's scheduler leaves it), counting one group of quota.
 */
export async function createGroup(
  env: BlockStorageEnv,
  caller: Caller,
  req: NewGroup,
): Promise<GroupRow> {
  const groupType = await usableGroupType(env, caller, req.groupType);
  const types: VolumeTypeRef[] = [];
  for (const ref of req.volumeTypes) {
    const row = await findVolumeType(env.db, ref);
    const t = row && (await getVolumeTypeRef(env.db, row.id));
    if (!t) throw blockStorageErrors.volumeTypeNotFound(ref);
    types.push(t);
  }
  const zone = req.availabilityZone ?? env.settings.default_availability_zone;
  if (!knownZones(env).has(zone))
    throw blockStorageErrors.invalid(
      `Invalid input received: Availability zone '${zone}' is invalid.`,
    );
  const backend = await scheduleGroup(env, types, zone);
  const row: GroupRow = {
    id: randomUUID(),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    group_type_id: groupType.id,
    status: backend ? 'available' : 'error',
    availability_zone: zone,
    host: backend?.poolHost ?? null,
    group_snapshot_id: null,
    source_group_id: null,
    created_at: toDbTime(env.now()),
  };
  await env.db.transaction().execute(async (trx) => {
    await assertWithinQuota(trx, env.settings, caller.projectId, { groups: 1 });
    await insertGroup(
      trx,
      row,
      types.map((t) => t.id),
    );
  });
  if (!backend)
    env.logger.warn({ group: row.id }, 'no backend supports every volume type of the group');
  return row;
}

/** Quota for new volumes of several types: the totals, then each type's share of them. */
async function assertVolumesQuota(
  db: Db,
  env: BlockStorageEnv,
  projectId: string,
  volumes: readonly { size: number; typeName: string }[],
  extra: Record<string, number> = {},
): Promise<void> {
  const total = volumes.reduce((n, v) => n + v.size, 0);
  await assertWithinQuota(db, env.settings, projectId, {
    ...extra,
    volumes: volumes.length,
    gigabytes: total,
  });
  const byType = new Map<string, { n: number; gb: number }>();
  for (const v of volumes) {
    const t = byType.get(v.typeName) ?? { n: 0, gb: 0 };
    byType.set(v.typeName, { n: t.n + 1, gb: t.gb + v.size });
  }
  for (const [typeName, t] of byType) {
    await assertWithinQuota(
      db,
      env.settings,
      projectId,
      { volumes: t.n, gigabytes: t.gb },
      typeName,
    );
  }
}

async function typeName(db: Db, typeId: string): Promise<string> {
  return (await getVolumeTypeRef(db, typeId))?.name ?? typeId;
}

/**
 * POST /groups/action create-from-src: a new group on the source's backend with a copy of
 * each volume of the source group (or of each snapshot of the group snapshot). The rows
 * are made now, with quota; the backend copies in the group.create_from_src task.
 */
export async function createGroupFromSource(
  env: BlockStorageEnv,
  caller: Caller,
  req: {
    name: string | null;
    description: string | null;
    groupSnapshotId?: string | undefined;
    sourceGroupId?: string | undefined;
  },
): Promise<GroupRow> {
  let source: GroupRow;
  const members: Array<{
    kind: 'volume' | 'snapshot';
    sourceId: string;
    origin: VolumeTable;
    snapshot?: SnapshotRow;
  }> = [];
  if (req.groupSnapshotId) {
    const gs = await visibleGroupSnapshot(env, caller, req.groupSnapshotId);
    const g = await getGroup(env.db, gs.group_id);
    if (!g) throw blockStorageErrors.groupNotFound(gs.group_id);
    source = g;
    for (const snap of await snapshotsOfGroupSnapshot(env.db, gs.id)) {
      if (snap.status !== 'available') {
        throw blockStorageErrors.invalid(
          "Invalid snapshot: Originating snapshot status must be one of 'available' values",
        );
      }
      const origin = await getVolume(env.db, snap.volume_id);
      if (origin) members.push({ kind: 'snapshot', sourceId: snap.id, origin, snapshot: snap });
    }
    if (members.length === 0)
      throw catalogErrors.invalidGroup('Group snapshot is empty. No group will be created.');
  } else {
    source = await visibleGroup(env, caller, req.sourceGroupId!);
    for (const v of await groupVolumes(env.db, source.id)) {
      if (!['available', 'in-use'].includes(v.status)) {
        throw blockStorageErrors.invalid(
          "Invalid volume: Originating source volume status must be one of 'available, in-use' values",
        );
      }
      members.push({ kind: 'volume', sourceId: v.id, origin: v });
    }
    if (members.length === 0)
      throw catalogErrors.invalidGroup('Source Group is empty. No group will be created.');
  }
  if (!source.host) throw catalogErrors.invalidGroup('No valid host to create group.');

  const now = toDbTime(env.now());
  const group: GroupRow = {
    id: randomUUID(),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    group_type_id: source.group_type_id,
    status: 'creating',
    availability_zone: source.availability_zone,
    host: source.host,
    group_snapshot_id: req.groupSnapshotId ?? null,
    source_group_id: req.groupSnapshotId ? null : source.id,
    created_at: now,
  };
  const sourceTypes = (await groupVolumeTypeIds(env.db, [source.id])).get(source.id)!;
  const volumes: VolumeTable[] = members.map((m) => ({
    id: randomUUID(),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: null,
    description: null,
    size: Number(m.snapshot?.size ?? m.origin.size),
    status: 'creating',
    attach_status: 'detached',
    status_reason: null,
    availability_zone: group.availability_zone,
    volume_type_id: m.origin.volume_type_id,
    snapshot_id: m.snapshot?.id ?? null,
    source_volid: m.kind === 'volume' ? m.origin.id : null,
    image_id: null,
    bootable: 0,
    multiattach: m.origin.multiattach,
    host: source.host,
    provider_location: null,
    migration_status: null,
    group_id: group.id,
    created_at: now,
    updated_at: null,
    launched_at: null,
  }));
  const payload: GroupTaskKinds['group.create_from_src'] = {
    requestId: caller.requestId,
    projectId: caller.projectId,
    members: members.map((m, i): GroupMemberSource => ({
      volumeId: volumes[i]!.id,
      kind: m.kind,
      sourceId: m.sourceId,
    })),
  };
  await env.db.transaction().execute(async (trx) => {
    const sized = await Promise.all(
      volumes.map(async (v) => ({ size: v.size, typeName: await typeName(trx, v.volume_type_id) })),
    );
    await assertVolumesQuota(trx, env, caller.projectId, sized, { groups: 1 });
    const typeIds = [...new Set([...sourceTypes, ...volumes.map((v) => v.volume_type_id)])];
    await insertGroup(trx, group, typeIds);
    for (const v of volumes) await insertVolume(trx, v);
    await env.tasks.enqueue(trx, { kind: 'group.create_from_src', resourceId: group.id, payload });
  });
  env.tasks.wake();
  return group;
}

/**
 * POST /groups/{id}/action delete: without delete-volumes only an empty group in available
 * or error goes; with it the member volumes go too (none may be attached or have
 * snapshots). A group with group snapshots, or that a group is being made from, stays.
 */
export async function deleteGroup(
  env: BlockStorageEnv,
  caller: Caller,
  group: GroupRow,
  deleteVolumes: boolean,
): Promise<void> {
  if (!group.host) {
    await env.db.transaction().execute(async (trx) => {
      await setVolumesGroup(
        trx,
        (await groupVolumes(trx, group.id)).map((v) => v.id),
        null,
      );
      await deleteGroupRow(trx, group.id);
    });
    return;
  }
  if (!deleteVolumes && !['available', 'error'].includes(group.status)) {
    throw catalogErrors.invalidGroup(
      `Group status must be available or error, but current status is: ${group.status}`,
    );
  }
  if (await groupHasSnapshots(env.db, group.id))
    throw catalogErrors.invalidGroup('Group has existing snapshots.');
  const volumes = await groupVolumes(env.db, group.id);
  if (volumes.length && !deleteVolumes) {
    throw catalogErrors.invalidGroup(
      `Group ${group.id} still contains volumes. The delete-volumes flag is required to delete it.`,
    );
  }
  for (const v of volumes) {
    if (v.attach_status === 'attached')
      throw catalogErrors.invalidGroup(
        `Volume in group ${group.id} is attached. Need to detach first.`,
      );
    if ((await snapshotsOfVolume(env.db, v.id)).length)
      throw catalogErrors.invalidGroup('Volume in group still has dependent snapshots.');
  }
  if (await sourceOfCreatingGroup(env.db, { groupId: group.id })) {
    throw catalogErrors.invalidGroup(
      `Cannot delete group ${group.id}. It is the source for an ongoing group or group snapshot creation.`,
    );
  }
  const payload: GroupTaskKinds['group.delete'] = {
    requestId: caller.requestId,
    projectId: caller.projectId,
  };
  const now = toDbTime(env.now());
  await env.db.transaction().execute(async (trx) => {
    const moved = await updateGroup(
      trx,
      group.id,
      { status: 'deleting' },
      deleteVolumes ? undefined : ['available', 'error'],
    );
    if (!moved)
      throw catalogErrors.invalidGroup(
        `Cannot delete group ${group.id}. Group status must be available or error.`,
      );
    if (volumes.length === 0) {
      await deleteGroupRow(trx, group.id);
      return;
    }
    await trx
      .updateTable('block_storage_volume')
      .set({ status: 'deleting', updated_at: now })
      .where('group_id', '=', group.id)
      .execute();
    await env.tasks.enqueue(trx, { kind: 'group.delete', resourceId: group.id, payload });
  });
  env.tasks.wake();
}

function idList(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/^,+|,+$/g, '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * PUT /groups/{id}: renames, and moves volumes in and out. Cinder hands membership changes
 * to the volume service; with no backend work for generic groups strata applies them at once.
 */
export async function updateGroupMembers(
  env: BlockStorageEnv,
  group: GroupRow,
  req: {
    name?: string | null | undefined;
    description?: string | null | undefined;
    addVolumes?: string | null | undefined;
    removeVolumes?: string | null | undefined;
  },
): Promise<void> {
  const name =
    req.name !== undefined && req.name !== null && req.name !== group.name ? req.name : undefined;
  const description =
    req.description !== undefined &&
    req.description !== null &&
    req.description !== group.description
      ? req.description
      : undefined;
  const add = idList(req.addVolumes);
  const remove = idList(req.removeVolumes);
  const both = add.filter((id) => remove.includes(id));
  if (both.length)
    throw catalogErrors.invalidVolume(
      `UUIDs ${JSON.stringify(both)} are in both add and remove volume list.`,
    );

  const members = await groupVolumes(env.db, group.id);
  const memberIds = new Set(members.map((v) => v.id));
  const groupTypes = (await groupVolumeTypeIds(env.db, [group.id])).get(group.id)!;
  const toAdd: string[] = [];
  for (const id of add.filter((x) => !memberIds.has(x))) {
    const v = await getVolume(env.db, id);
    const prefix = `Cannot add volume ${id} to group ${group.id} because`;
    if (!v) throw catalogErrors.invalidVolume(`${prefix} volume cannot be found.`);
    if (v.group_id)
      throw catalogErrors.invalidVolume(`${prefix} it is already in group ${v.group_id}.`);
    if (v.project_id !== group.project_id)
      throw catalogErrors.invalidVolume(
        `Cannot add volume ${id} to group ${group.id} as they belong to different projects.`,
      );
    if (!groupTypes.includes(v.volume_type_id)) {
      throw catalogErrors.invalidVolume(
        `${prefix} volume type ${v.volume_type_id} is not supported by the group.`,
      );
    }
    if (!ADDABLE.includes(v.status)) {
      throw catalogErrors.invalidVolume(
        `${prefix} volume is in an invalid state: ${v.status}. Valid states are: ${JSON.stringify(ADDABLE)}.`,
      );
    }
    if ((v.host ?? '').split('#')[0] !== (group.host ?? '').split('#')[0])
      throw catalogErrors.invalidVolume('Volume is not local to this node.');
    toAdd.push(id);
  }
  const toRemove: string[] = [];
  for (const id of remove) {
    const v = members.find((m) => m.id === id);
    if (!v)
      throw catalogErrors.invalidVolume(
        `Cannot remove volume ${id} from group ${group.id} because it is not in the group.`,
      );
    if (!REMOVABLE.includes(v.status)) {
      throw catalogErrors.invalidVolume(
        `Cannot remove volume ${id} from group ${group.id} because volume is in an invalid state: ${v.status}. Valid states are: ${JSON.stringify(REMOVABLE)}.`,
      );
    }
    toRemove.push(id);
  }
  if (
    name === undefined &&
    description === undefined &&
    toAdd.length === 0 &&
    toRemove.length === 0
  ) {
    throw catalogErrors.invalidGroup(
      `Cannot update group ${group.id} because no valid name, description, add_volumes, or remove_volumes were provided.`,
    );
  }
  await env.db.transaction().execute(async (trx) => {
    const values: Partial<GroupRow> = { status: 'available' };
    if (name !== undefined) values.name = name;
    if (description !== undefined) values.description = description;
    const changesMembers = toAdd.length > 0 || toRemove.length > 0;
    if (!(await updateGroup(trx, group.id, values, changesMembers ? ['available'] : undefined))) {
      throw catalogErrors.invalidGroup('Group status must be available.');
    }
    await setVolumesGroup(trx, toAdd, group.id);
    await setVolumesGroup(trx, toRemove, null);
  });
}

/**
 * POST /group_snapshots: a snapshot row per member volume (with snapshot quota) and the
 * group snapshot, in one transaction; the backend snapshots in the group_snapshot.create task.
 */
export async function createGroupSnapshot(
  env: BlockStorageEnv,
  caller: Caller,
  group: GroupRow,
  req: { name: string | null; description: string | null },
): Promise<GroupSnapshotRow> {
  const volumes = await groupVolumes(env.db, group.id);
  for (const v of volumes) {
    if (!SNAPSHOTTABLE.includes(v.status)) {
      throw catalogErrors.invalidVolume(
        `Volume ${v.id} status must be available or in-use, but current status is: ${v.status}.`,
      );
    }
  }
  const now = toDbTime(env.now());
  const gs: GroupSnapshotRow = {
    id: randomUUID(),
    group_id: group.id,
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    group_type_id: group.group_type_id,
    status: 'creating',
    created_at: now,
  };
  const snaps: SnapshotRow[] = volumes.map((v) => ({
    id: randomUUID(),
    volume_id: v.id,
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name,
    description: req.description,
    size: Number(v.size),
    status: 'creating',
    progress: '0%',
    provider_location: null,
    group_snapshot_id: gs.id,
    created_at: now,
    updated_at: null,
  }));
  const payload: GroupTaskKinds['group_snapshot.create'] = {
    requestId: caller.requestId,
    projectId: caller.projectId,
  };
  await env.db.transaction().execute(async (trx) => {
    const byType = new Map<string, { n: number; gb: number }>();
    for (const v of volumes) {
      const t = byType.get(v.volume_type_id) ?? { n: 0, gb: 0 };
      byType.set(v.volume_type_id, { n: t.n + 1, gb: t.gb + Number(v.size) });
    }
    const total = snaps.reduce((n, s) => n + s.size, 0);
    if (snaps.length)
      await assertWithinQuota(trx, env.settings, caller.projectId, {
        snapshots: snaps.length,
        gigabytes: total,
      });
    for (const [typeId, t] of byType) {
      await assertWithinQuota(
        trx,
        env.settings,
        caller.projectId,
        { snapshots: t.n, gigabytes: t.gb },
        await typeName(trx, typeId),
      );
    }
    await insertGroupSnapshot(trx, gs);
    for (const s of snaps) await insertSnapshot(trx, s, {});
    await env.tasks.enqueue(trx, { kind: 'group_snapshot.create', resourceId: gs.id, payload });
  });
  env.tasks.wake();
  return gs;
}

/** DELETE /group_snapshots/{id}: available or error, and no group being made from it. */
export async function deleteGroupSnapshot(
  env: BlockStorageEnv,
  caller: Caller,
  gs: GroupSnapshotRow,
): Promise<void> {
  const refuse = () =>
    catalogErrors.invalidGroupSnapshot(
      'GroupSnapshot status must be available or error, and no Group can be currently using it as source for its creation.',
    );
  if (await sourceOfCreatingGroup(env.db, { groupSnapshotId: gs.id })) throw refuse();
  const payload: GroupTaskKinds['group_snapshot.delete'] = {
    requestId: caller.requestId,
    projectId: caller.projectId,
  };
  await env.db.transaction().execute(async (trx) => {
    if (!(await updateGroupSnapshot(trx, gs.id, { status: 'deleting' }, ['available', 'error'])))
      throw refuse();
    for (const s of await snapshotsOfGroupSnapshot(trx, gs.id))
      await updateSnapshot(trx, s.id, { status: 'deleting' });
    await env.tasks.enqueue(trx, { kind: 'group_snapshot.delete', resourceId: gs.id, payload });
  });
  env.tasks.wake();
}

/**
 * For POST /volumes with a group_id (the volume API calls this): the group, which the caller
 * must see, and whose volume types must include the new volume's. The volume then lives on
 * the group's backend (its `host`).
 */
export async function groupForNewVolume(
  env: BlockStorageEnv,
  caller: Caller,
  groupId: string,
  volumeTypeId: string,
): Promise<GroupRow> {
  const group = await visibleGroup(env, caller, groupId);
  const types = (await groupVolumeTypeIds(env.db, [group.id])).get(group.id)!;
  if (!types.includes(volumeTypeId)) {
    throw blockStorageErrors.invalid(
      `Invalid input received: Invalid volume_type provided: ${volumeTypeId} (requested type must be supported by this group).`,
    );
  }
  return group;
}
