import type { Kysely } from 'kysely';
import type { BlockStorageDb } from './db.ts';
import type {
  BlockStorageTables,
  GroupSnapshotTable,
  GroupTable,
  SnapshotTable,
  VolumeTable,
} from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type GroupRow = GroupTable;
export type GroupSnapshotRow = GroupSnapshotTable;

// ---- groups ----

export async function getGroup(db: Db, id: string): Promise<GroupRow | undefined> {
  return db.selectFrom('block_storage_group').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface GroupFilters {
  /** Only this project's; undefined lists every project's (admin all_tenants). */
  readonly projectId?: string | undefined;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly groupTypeId?: string | undefined;
  readonly availabilityZone?: string | undefined;
}

export async function listGroups(db: Db, f: GroupFilters, window: ListWindow): Promise<GroupRow[]> {
  let q = db.selectFrom('block_storage_group').selectAll();
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.groupTypeId !== undefined) q = q.where('group_type_id', '=', f.groupTypeId);
  if (f.availabilityZone !== undefined) q = q.where('availability_zone', '=', f.availabilityZone);
  return applyWindow(q, window).execute();
}

/** Inserts a group with the volume types it may hold. Run inside the transaction that checks quota. */
export async function insertGroup(
  db: Db,
  row: GroupRow,
  volumeTypeIds: readonly string[],
): Promise<void> {
  await db.insertInto('block_storage_group').values(row).execute();
  const unique = [...new Set(volumeTypeIds)];
  if (unique.length) {
    await db
      .insertInto('block_storage_group_volume_type')
      .values(unique.map((volume_type_id) => ({ group_id: row.id, volume_type_id })))
      .execute();
  }
}

/** The volume types of each group, in the order the rows come (for views of a page). */
export async function groupVolumeTypeIds(
  db: Db,
  groupIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_group_volume_type')
    .select(['group_id', 'volume_type_id'])
    .where('group_id', 'in', [...groupIds])
    .orderBy('volume_type_id')
    .execute();
  for (const r of rows) out.get(r.group_id)!.push(r.volume_type_id);
  return out;
}

/** Updates a group only while its status is one of `expected` when given; false otherwise. */
export async function updateGroup(
  db: Db,
  id: string,
  values: Partial<Omit<GroupRow, 'id' | 'project_id' | 'created_at'>>,
  expected?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('block_storage_group').set(values).where('id', '=', id);
  if (expected) q = q.where('status', 'in', [...expected]);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Removes a group row (its volume-type rows cascade). Member volumes must be gone or moved out. */
export async function deleteGroupRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('block_storage_group_volume_type').where('group_id', '=', id).execute();
  await db.deleteFrom('block_storage_group').where('id', '=', id).execute();
}

export async function groupVolumes(db: Db, groupId: string): Promise<VolumeTable[]> {
  return db
    .selectFrom('block_storage_volume')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The member volumes' ids of each group (GET /groups?list_volume=true, 3.25). */
export async function groupVolumeIds(
  db: Db,
  groupIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_volume')
    .select(['id', 'group_id'])
    .where('group_id', 'in', [...groupIds])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) out.get(r.group_id!)!.push(r.id);
  return out;
}

export async function setVolumesGroup(
  db: Db,
  volumeIds: readonly string[],
  groupId: string | null,
): Promise<void> {
  if (volumeIds.length === 0) return;
  await db
    .updateTable('block_storage_volume')
    .set({ group_id: groupId })
    .where('id', 'in', [...volumeIds])
    .execute();
}

// ---- group snapshots ----

export async function getGroupSnapshot(db: Db, id: string): Promise<GroupSnapshotRow | undefined> {
  return db
    .selectFrom('block_storage_group_snapshot')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface GroupSnapshotFilters {
  readonly projectId?: string | undefined;
  readonly groupId?: string | undefined;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
}

export async function listGroupSnapshots(
  db: Db,
  f: GroupSnapshotFilters,
  window: ListWindow,
): Promise<GroupSnapshotRow[]> {
  let q = db.selectFrom('block_storage_group_snapshot').selectAll();
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.groupId !== undefined) q = q.where('group_id', '=', f.groupId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  return applyWindow(q, window).execute();
}

export async function groupHasSnapshots(db: Db, groupId: string): Promise<boolean> {
  const r = await db
    .selectFrom('block_storage_group_snapshot')
    .select('id')
    .where('group_id', '=', groupId)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertGroupSnapshot(db: Db, row: GroupSnapshotRow): Promise<void> {
  await db.insertInto('block_storage_group_snapshot').values(row).execute();
}

/** Updates a group snapshot only while its status is one of `expected` when given; false otherwise. */
export async function updateGroupSnapshot(
  db: Db,
  id: string,
  values: Partial<Omit<GroupSnapshotRow, 'id' | 'project_id' | 'created_at'>>,
  expected?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('block_storage_group_snapshot').set(values).where('id', '=', id);
  if (expected) q = q.where('status', 'in', [...expected]);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteGroupSnapshotRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('block_storage_group_snapshot').where('id', '=', id).execute();
}

/** The member snapshots of a group snapshot (one per volume of the group when it was taken). */
export async function snapshotsOfGroupSnapshot(
  db: Db,
  groupSnapshotId: string,
): Promise<SnapshotTable[]> {
  return db
    .selectFrom('block_storage_snapshot')
    .selectAll()
    .where('group_snapshot_id', '=', groupSnapshotId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Whether a group is being created from this group or group snapshot (which may then not go away). */
export async function sourceOfCreatingGroup(
  db: Db,
  source: { groupId?: string; groupSnapshotId?: string },
): Promise<boolean> {
  let q = db.selectFrom('block_storage_group').select('id').where('status', '=', 'creating');
  if (source.groupId !== undefined) q = q.where('source_group_id', '=', source.groupId);
  if (source.groupSnapshotId !== undefined)
    q = q.where('group_snapshot_id', '=', source.groupSnapshotId);
  const r = await q.limit(1).executeTakeFirst();
  return r !== undefined;
}
