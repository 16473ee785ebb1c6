import type { Kysely } from 'kysely';
import { createTable, dbTypes } from '../../../../core/db/index.ts';

const NAME = 'varchar(255)';

/**
 * What the catalog APIs need beyond 0001: encryption of volume types, quota classes (the
 * `default` class Cinder's os-quota-class-sets edits, separate from projects' own limits),
 * per-project default volume types (3.62) and access lists of private group types.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'block_storage_volume_type_encryption')
    .addColumn('volume_type_id', dbTypes.id, (c) =>
      c.primaryKey().references('block_storage_volume_type.id').onDelete('cascade'),
    )
    .addColumn('encryption_id', dbTypes.id, (c) => c.notNull())
    .addColumn('provider', NAME, (c) => c.notNull())
    .addColumn('cipher', NAME)
    .addColumn('key_size', 'integer')
    .addColumn('control_location', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', dbTypes.time, (c) => c.notNull())
    .addColumn('updated_at', dbTypes.time)
    .execute();

  await createTable(db, 'block_storage_quota_class')
    .addColumn('class_name', NAME, (c) => c.notNull())
    .addColumn('resource', NAME, (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('block_storage_quota_class_pk', ['class_name', 'resource'])
    .execute();

  await createTable(db, 'block_storage_default_type')
    .addColumn('project_id', dbTypes.id, (c) => c.primaryKey())
    .addColumn('volume_type_id', dbTypes.id, (c) =>
      c.notNull().references('block_storage_volume_type.id'),
    )
    .addColumn('created_at', dbTypes.time, (c) => c.notNull())
    .execute();

  await createTable(db, 'block_storage_group_type_access')
    .addColumn('group_type_id', dbTypes.id, (c) =>
      c.notNull().references('block_storage_group_type.id').onDelete('cascade'),
    )
    .addColumn('project_id', dbTypes.id, (c) => c.notNull())
    .addPrimaryKeyConstraint('block_storage_group_type_access_pk', ['group_type_id', 'project_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'block_storage_group_type_access',
    'block_storage_default_type',
    'block_storage_quota_class',
    'block_storage_volume_type_encryption',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
