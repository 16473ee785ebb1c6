import type { CreateTableBuilder, Kysely } from 'kysely';
import { createTable, dbTypes, dialectOf } from '../../../../core/db/index.ts';

const ID = dbTypes.id;
const NAME = 'varchar(255)';
const TIME = dbTypes.time;
const BOOL = dbTypes.bool;

/** An auto-numbered primary key: PostgreSQL spells it serial, the others AUTO_INCREMENT. */
function serialId(db: Kysely<unknown>, t: CreateTableBuilder<string, never>) {
  return dialectOf(db) === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * Flavors with their extra specs and access lists, keypairs, server groups and their
 * members, and Nova's own quotas (per project, per user, per class). Instances come later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Nova numbers flavors internally (sort_key=id, the access and extra-spec rows) and
  // shows flavorid as their id.
  await serialId(db, createTable(db, 'compute_flavor'))
    .addColumn('flavorid', NAME, (c) => c.notNull().unique())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('root_gb', 'integer', (c) => c.notNull())
    .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
    .addColumn('swap', 'integer', (c) => c.notNull())
    .addColumn('rxtx_factor', 'double precision', (c) => c.notNull())
    .addColumn('vcpu_weight', 'integer')
    .addColumn('disabled', BOOL, (c) => c.notNull())
    .addColumn('is_public', BOOL, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await createTable(db, 'compute_flavor_extra_spec')
    .addColumn('flavor_id', 'integer', (c) =>
      c.notNull().references('compute_flavor.id').onDelete('cascade'),
    )
    .addColumn('key', NAME, (c) => c.notNull())
    .addColumn('value', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('compute_flavor_extra_spec_pk', ['flavor_id', 'key'])
    .execute();
  await createTable(db, 'compute_flavor_project')
    .addColumn('flavor_id', 'integer', (c) =>
      c.notNull().references('compute_flavor.id').onDelete('cascade'),
    )
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('compute_flavor_project_pk', ['flavor_id', 'project_id'])
    .execute();

  await serialId(db, createTable(db, 'compute_keypair'))
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('fingerprint', NAME, (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('type', 'varchar(8)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addUniqueConstraint('compute_keypair_user_name', ['user_id', 'name'])
    .execute();

  await createTable(db, 'compute_server_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('policy', 'varchar(32)', (c) => c.notNull())
    /** JSON object: {"max_server_per_host": n} or {}. */
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('compute_server_group_project')
    .on('compute_server_group')
    .columns(['project_id', 'created_at'])
    .execute();
  await createTable(db, 'compute_server_group_member')
    .addColumn('group_id', ID, (c) =>
      c.notNull().references('compute_server_group.id').onDelete('cascade'),
    )
    .addColumn('instance_uuid', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('compute_server_group_member_pk', ['group_id', 'instance_uuid'])
    .execute();

  // user_id is '' for a project's own limit (a key column cannot be NULL).
  await createTable(db, 'compute_quota')
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('resource', NAME, (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('compute_quota_pk', ['project_id', 'user_id', 'resource'])
    .execute();
  await createTable(db, 'compute_quota_class')
    .addColumn('class_name', NAME, (c) => c.notNull())
    .addColumn('resource', NAME, (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('compute_quota_class_pk', ['class_name', 'resource'])
    .execute();
}
