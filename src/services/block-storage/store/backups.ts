import type { Kysely } from 'kysely';
import type { BlockStorageDb } from './db.ts';
import type { BackupTable, BlockStorageTables } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';
import type { Metadata } from './owned-metadata.ts';

export type BackupRow = BackupTable;
type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export interface BackupFilters {
  /** Only this project's backups; undefined lists every project (admin all_tenants). */
  readonly projectId?: string | undefined;
  readonly status?: string | undefined;
  readonly volumeId?: string | undefined;
  readonly name?: string | undefined;
}

export async function getBackup(db: Db, id: string): Promise<BackupRow | undefined> {
  return db.selectFrom('block_storage_backup').selectAll().where('id', '=', id).executeTakeFirst();
}

function filtered(db: Db, f: BackupFilters) {
  let q = db.selectFrom('block_storage_backup');
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.volumeId !== undefined) q = q.where('volume_id', '=', f.volumeId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  return q;
}

export async function listBackups(
  db: Db,
  f: BackupFilters,
  window: ListWindow,
): Promise<BackupRow[]> {
  return applyWindow(filtered(db, f).selectAll(), window).execute();
}

export async function countBackups(db: Db, f: BackupFilters): Promise<number> {
  const row = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Backups of a volume in a project, newest data first (candidates for an incremental's parent). */
export async function backupsOfVolume(
  db: Db,
  volumeId: string,
  projectId: string,
): Promise<BackupRow[]> {
  return db
    .selectFrom('block_storage_backup')
    .selectAll()
    .where('volume_id', '=', volumeId)
    .where('project_id', '=', projectId)
    .orderBy('data_timestamp', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Ids of the given backups that incremental backups depend on. */
export async function backupsWithDependents(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('block_storage_backup')
    .select('parent_id')
    .distinct()
    .where('parent_id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.parent_id!));
}

export async function insertBackup(db: Db, row: BackupRow, metadata: Metadata): Promise<void> {
  await db.insertInto('block_storage_backup').values(row).execute();
  const keys = Object.keys(metadata);
  if (keys.length) {
    await db
      .insertInto('block_storage_backup_metadata')
      .values(keys.map((key) => ({ owner_id: row.id, key, value: metadata[key]! })))
      .execute();
  }
}

/** Updates a backup, only while its status is one of `expected` when given; false otherwise. */
export async function updateBackup(
  db: Db,
  id: string,
  values: Partial<Omit<BackupRow, 'id'>>,
  expected?: readonly string[],
): Promise<boolean> {
  let q = db.updateTable('block_storage_backup').set(values).where('id', '=', id);
  if (expected) q = q.where('status', 'in', [...expected]);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteBackupRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('block_storage_backup_metadata').where('owner_id', '=', id).execute();
  await db.deleteFrom('block_storage_backup').where('id', '=', id).execute();
}
