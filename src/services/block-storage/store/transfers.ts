import type { Kysely } from 'kysely';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, TransferTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

export type TransferRow = TransferTable;
type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export interface TransferFilters {
  /** Transfers of volumes owned by this project; undefined lists all (admin all_tenants). */
  readonly projectId?: string | undefined;
  readonly name?: string | undefined;
  readonly volumeId?: string | undefined;
}

export async function getTransfer(db: Db, id: string): Promise<TransferRow | undefined> {
  return db
    .selectFrom('block_storage_transfer')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function transferOfVolume(db: Db, volumeId: string): Promise<TransferRow | undefined> {
  return db
    .selectFrom('block_storage_transfer')
    .selectAll()
    .where('volume_id', '=', volumeId)
    .executeTakeFirst();
}

export async function listTransfers(
  db: Db,
  f: TransferFilters,
  window: ListWindow,
): Promise<TransferRow[]> {
  let q = db.selectFrom('block_storage_transfer').selectAll();
  if (f.projectId !== undefined) q = q.where('source_project_id', '=', f.projectId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.volumeId !== undefined) q = q.where('volume_id', '=', f.volumeId);
  return applyWindow(q, window).execute();
}

export async function insertTransfer(db: Db, row: TransferRow): Promise<void> {
  await db.insertInto('block_storage_transfer').values(row).execute();
}

export async function deleteTransferRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('block_storage_transfer').where('id', '=', id).execute();
}

/** Unaccepted transfers whose expiry time has passed, for the expiry sweep. */
export async function expiredTransfers(db: Db, now: string): Promise<TransferRow[]> {
  return db
    .selectFrom('block_storage_transfer')
    .selectAll()
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .execute();
}

/**
 * Gives an awaiting-transfer volume to another project and user, making it available
 * there; false when the volume is no longer awaiting transfer (another accept won).
 */
export async function moveVolumeToProject(
  db: Db,
  volumeId: string,
  to: { projectId: string; userId: string },
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('block_storage_volume')
    .set({ project_id: to.projectId, user_id: to.userId, status: 'available', updated_at: now })
    .where('id', '=', volumeId)
    .where('status', '=', 'awaiting-transfer')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Gives a volume's snapshots to another project and user. */
export async function moveSnapshotsToProject(
  db: Db,
  snapshotIds: readonly string[],
  to: { projectId: string; userId: string },
  now: string,
): Promise<void> {
  if (snapshotIds.length === 0) return;
  await db
    .updateTable('block_storage_snapshot')
    .set({ project_id: to.projectId, user_id: to.userId, updated_at: now })
    .where('id', 'in', [...snapshotIds])
    .execute();
}
