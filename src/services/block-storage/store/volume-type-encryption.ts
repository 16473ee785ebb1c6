import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, VolumeTypeEncryptionTable } from './tables.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type EncryptionRow = VolumeTypeEncryptionTable;

export interface EncryptionSpec {
  readonly provider: string;
  readonly cipher: string | null;
  readonly keySize: number | null;
  readonly controlLocation: string;
}

export async function getEncryption(db: Db, typeId: string): Promise<EncryptionRow | undefined> {
  return db
    .selectFrom('block_storage_volume_type_encryption')
    .selectAll()
    .where('volume_type_id', '=', typeId)
    .executeTakeFirst();
}

/** Adds a type's encryption; undefined when it has one already. */
export async function insertEncryption(
  db: Db,
  typeId: string,
  spec: EncryptionSpec,
  now: Date,
): Promise<EncryptionRow | undefined> {
  const row: EncryptionRow = {
    volume_type_id: typeId,
    encryption_id: randomUUID(),
    provider: spec.provider,
    cipher: spec.cipher,
    key_size: spec.keySize,
    control_location: spec.controlLocation,
    created_at: toDbTime(now),
    updated_at: null,
  };
  try {
    await db.insertInto('block_storage_volume_type_encryption').values(row).execute();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
}

export async function updateEncryption(
  db: Db,
  typeId: string,
  changes: Partial<EncryptionSpec>,
  now: Date,
): Promise<void> {
  const values: Partial<EncryptionRow> = { updated_at: toDbTime(now) };
  if (changes.provider !== undefined) values.provider = changes.provider;
  if (changes.cipher !== undefined) values.cipher = changes.cipher;
  if (changes.keySize !== undefined) values.key_size = changes.keySize;
  if (changes.controlLocation !== undefined) values.control_location = changes.controlLocation;
  await db
    .updateTable('block_storage_volume_type_encryption')
    .set(values)
    .where('volume_type_id', '=', typeId)
    .execute();
}

export async function deleteEncryption(db: Db, typeId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('block_storage_volume_type_encryption')
    .where('volume_type_id', '=', typeId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
