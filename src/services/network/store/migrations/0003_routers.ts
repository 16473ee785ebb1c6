import type { Kysely } from 'kysely';
import { createTable, dbTypes, textType } from '../../../../core/db/index.ts';

const ID = dbTypes.id;
const TIME = dbTypes.time;
const NAME = 'varchar(255)';
const ADDRESS = 'varchar(64)';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'network_router')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('admin_state_up', dbTypes.bool, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('gw_port_id', ID, (c) => c.references('network_port.id'))
    .addColumn('enable_snat', dbTypes.bool, (c) => c.notNull())
    .addColumn('routes', textType(db), (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_router_project_idx').on('network_router').column('project_id').execute();

  // A port belongs to at most one router (the primary key), also when two requests race.
  await createTable(db, 'network_router_port')
    .addColumn('port_id', ID, (c) => c.primaryKey().references('network_port.id'))
    .addColumn('router_id', ID, (c) => c.notNull().references('network_router.id'))
    .addColumn('port_type', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_router_port_router_idx').on('network_router_port').column('router_id').execute();

  await createTable(db, 'network_floatingip')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('floating_network_id', ID, (c) => c.notNull().references('network_network.id'))
    .addColumn('floating_ip_address', ADDRESS, (c) => c.notNull())
    .addColumn('floating_port_id', ID, (c) => c.notNull().references('network_port.id'))
    .addColumn('fixed_port_id', ID, (c) => c.references('network_port.id'))
    .addColumn('fixed_ip_address', ADDRESS)
    .addColumn('router_id', ID, (c) => c.references('network_router.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    // One floating IP per fixed IP (unassociated rows hold NULLs, which never collide).
    .addUniqueConstraint('network_floatingip_fixed_uq', ['fixed_port_id', 'fixed_ip_address'])
    .execute();
  await db.schema.createIndex('network_floatingip_project_idx').on('network_floatingip').column('project_id').execute();
  await db.schema.createIndex('network_floatingip_router_idx').on('network_floatingip').column('router_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['network_floatingip', 'network_router_port', 'network_router']) await db.schema.dropTable(t).execute();
}
