import type { Kysely } from 'kysely';
import { createTaskTables } from '../../../../core/tasks/index.ts';

/** The persisted tasks of long volume operations (create, delete, extend, retype, upload) and leases. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTaskTables(db, 'block_storage');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('block_storage_lease').ifExists().execute();
  await db.schema.dropTable('block_storage_task').ifExists().execute();
}
