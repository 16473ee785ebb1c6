import { sql, type Kysely, type SqlBool } from 'kysely';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, SnapshotTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';
import type { Metadata } from './owned-metadata.ts';

export type SnapshotRow = SnapshotTable;
type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export interface SnapshotFilters {
  /** Only this project's snapshots; undefined lists every project (admin all_tenants). */
  readonly projectId?: string | undefined;
  readonly status?: string | undefined;
  readonly volumeId?: string | undefined;
  readonly name?: string | undefined;
  /** Every pair must be in the snapshot's metadata. */
  readonly metadata?: Metadata | undefined;
  /** A filter that cannot match (malformed metadata filter, as Cinder answers it). */
  readonly matchNothing?: boolean;
}

export async function getSnapshot(db: Db, id: string): Promise<SnapshotRow | undefined> {
  return db
    .selectFrom('block_storage_snapshot')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function snapshotsOfVolume(db: Db, volumeId: string): Promise<SnapshotRow[]> {
  return db
    .selectFrom('block_storage_snapshot')
    .selectAll()
    .where('volume_id', '=', volumeId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

function filtered(db: Db, f: SnapshotFilters) {
  let q = db.selectFrom('block_storage_snapshot');
  if (f.matchNothing) q = q.where(sql<SqlBool>`1 = 0`);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.volumeId !== undefined) q = q.where('volume_id', '=', f.volumeId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  for (const [key, value] of Object.entries(f.metadata ?? {})) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('block_storage_snapshot_metadata as m')
          .select('m.owner_id')
          .whereRef('m.owner_id', '=', 'block_storage_snapshot.id')
          .where('m.key', '=', key)
          .where('m.value', '=', value),
      ),
    );
  }
  return q;
}

export async function listSnapshots(
  db: Db,
  f: SnapshotFilters,
  window: ListWindow,
): Promise<SnapshotRow[]> {
  return applyWindow(filtered(db, f).selectAll(), window).execute();
}

export async function countSnapshots(db: Db, f: SnapshotFilters): Promise<number> {
  const row = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertSnapshot(db: Db, row: SnapshotRow, metadata: Metadata): Promise<void> {
  await db.insertInto('block_storage_snapshot').values(row).execute();
  const keys = Object.keys(metadata);
  if (keys.length) {
    await db
      .insertInto('block_storage_snapshot_metadata')
      .values(keys.map((key) => ({ owner_id: row.id, key, value: metadata[key]! })))
      .execute();
  }
}

/**
 * Updates a snapshot, only while its status is one of `expected` when given (Cinder's
 * conditional_update): false when the row is gone or in another status.
 */
export async function updateSnapshot(
  db: Db,
  id: string,
  values: Partial<Omit<SnapshotRow, 'id'>>,
  expected?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('block_storage_snapshot').set(values).where('id', '=', id);
  if (expected) q = q.where('status', 'in', [...expected]);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Removes the snapshot row and its metadata. */
export async function deleteSnapshotRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('block_storage_snapshot_metadata').where('owner_id', '=', id).execute();
  await db.deleteFrom('block_storage_snapshot').where('id', '=', id).execute();
}
