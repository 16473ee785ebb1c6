import type { Kysely } from 'kysely';
import { createTable, dbTypes } from '../../../../core/db/index.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Only limits set for a project are stored; the rest come from the configured defaults.
  await createTable(db, 'network_quota')
    .addColumn('project_id', dbTypes.id, (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_quota_pk', ['project_id', 'resource'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('network_quota').execute();
}
