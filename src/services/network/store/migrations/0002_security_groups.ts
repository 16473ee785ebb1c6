import type { Kysely } from 'kysely';
import { createTable, dbTypes } from '../../../../core/db/index.ts';

const ID = dbTypes.id;
const TIME = dbTypes.time;
const NAME = 'varchar(255)';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'network_security_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('stateful', dbTypes.bool, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_security_group_project_idx').on('network_security_group').column('project_id').execute();

  // One row per project: the primary key is what keeps two racing first requests from
  // giving a project two default groups.
  await createTable(db, 'network_default_security_group')
    .addColumn('project_id', ID, (c) => c.primaryKey())
    .addColumn('security_group_id', ID, (c) => c.notNull().references('network_security_group.id').onDelete('cascade'))
    .execute();

  await createTable(db, 'network_security_group_rule')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('security_group_id', ID, (c) => c.notNull().references('network_security_group.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', ID, (c) => c.references('network_security_group.id').onDelete('cascade'))
    .addColumn('description', NAME, (c) => c.notNull())
    // The rule's normalized meaning; unique per group, so a duplicate loses also under races.
    .addColumn('fingerprint', NAME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addUniqueConstraint('network_security_group_rule_uq', ['security_group_id', 'fingerprint'])
    .execute();
  await db.schema.createIndex('network_security_group_rule_remote_idx').on('network_security_group_rule').column('remote_group_id').execute();

  await createTable(db, 'network_port_security_group')
    .addColumn('port_id', ID, (c) => c.notNull().references('network_port.id').onDelete('cascade'))
    .addColumn('security_group_id', ID, (c) => c.notNull().references('network_security_group.id'))
    .addPrimaryKeyConstraint('network_port_security_group_pk', ['port_id', 'security_group_id'])
    .execute();
  await db.schema.createIndex('network_port_security_group_sg_idx').on('network_port_security_group').column('security_group_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['network_port_security_group', 'network_security_group_rule', 'network_default_security_group', 'network_security_group']) {
    await db.schema.dropTable(t).execute();
  }
}
