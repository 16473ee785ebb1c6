import type { Kysely } from 'kysely';
import type { BlockStorageTables } from './tables.ts';

/** The name of a volume type, which per-type quotas (volumes_<name>) are kept under. */
export async function volumeTypeName(
  db: Kysely<BlockStorageTables>,
  typeId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('block_storage_volume_type')
    .select('name')
    .where('id', '=', typeId)
    .executeTakeFirst();
  return row?.name;
}
