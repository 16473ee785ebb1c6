import type { BlockStorageDb } from './db.ts';

/** The key/value tables of snapshots and backups (volume metadata belongs to store/volumes). */
export type OwnedMetadataTable =
  'block_storage_snapshot_metadata' | 'block_storage_backup_metadata';

export type Metadata = Record<string, string>;

/** Metadata of each owner, for views of a page of snapshots or backups in one query. */
export async function metadataOf(
  db: BlockStorageDb,
  table: OwnedMetadataTable,
  ownerIds: readonly string[],
): Promise<Map<string, Metadata>> {
  const out = new Map<string, Metadata>(ownerIds.map((id) => [id, {}]));
  if (ownerIds.length === 0) return out;
  const rows = await db
    .selectFrom(table)
    .select(['owner_id', 'key', 'value'])
    .where('owner_id', 'in', [...ownerIds])
    .orderBy('key')
    .execute();
  for (const r of rows) out.get(r.owner_id)![r.key] = r.value;
  return out;
}

export async function metadataItem(
  db: BlockStorageDb,
  table: OwnedMetadataTable,
  ownerId: string,
  key: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom(table)
    .select('value')
    .where('owner_id', '=', ownerId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/** Sets the given keys, keeping the others (Cinder's update with delete=False). */
export async function mergeMetadata(
  db: BlockStorageDb,
  table: OwnedMetadataTable,
  ownerId: string,
  items: Metadata,
): Promise<void> {
  const keys = Object.keys(items);
  if (keys.length === 0) return;
  await db.deleteFrom(table).where('owner_id', '=', ownerId).where('key', 'in', keys).execute();
  await db
    .insertInto(table)
    .values(keys.map((key) => ({ owner_id: ownerId, key, value: items[key]! })))
    .execute();
}

/** Makes the metadata exactly `items` (Cinder's update with delete=True). */
export async function replaceMetadata(
  db: BlockStorageDb,
  table: OwnedMetadataTable,
  ownerId: string,
  items: Metadata,
): Promise<void> {
  await db.deleteFrom(table).where('owner_id', '=', ownerId).execute();
  await mergeMetadata(db, table, ownerId, items);
}

/** Removes one key; false when it was not there. */
export async function deleteMetadataItem(
  db: BlockStorageDb,
  table: OwnedMetadataTable,
  ownerId: string,
  key: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom(table)
    .where('owner_id', '=', ownerId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
