import type { Kysely } from 'kysely';
import { dbTypes, textType } from '../../../../core/db/index.ts';

/**
 * What snapshots, backups and attachments need beyond 0001: when an attachment was made,
 * what of its volume a backup carries to a restore (metadata, image metadata, bootable),
 * and which volume a running restore writes to (so a restarted task knows it).
 * One column per statement: SQLite adds a single column per ALTER TABLE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('block_storage_attachment')
    .addColumn('attached_at', dbTypes.time)
    .execute();
  await db.schema
    .alterTable('block_storage_backup')
    .addColumn('volume_meta', textType(db))
    .execute();
  await db.schema
    .alterTable('block_storage_backup')
    .addColumn('restore_volume_id', dbTypes.id)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('block_storage_backup').dropColumn('restore_volume_id').execute();
  await db.schema.alterTable('block_storage_backup').dropColumn('volume_meta').execute();
  await db.schema.alterTable('block_storage_attachment').dropColumn('attached_at').execute();
}
