import type { Kysely } from 'kysely';
import { createTable, dbTypes, dialectOf } from '../../../../core/db/index.ts';

const { id: ID, time: TIME } = dbTypes;
const NAME = 'varchar(255)';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const provider = createTable(db, 'placement_provider');
  await (dialectOf(db) === 'postgres'
    ? provider.addColumn('id', 'serial', (c) => c.primaryKey())
    : provider.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('uuid', ID, (c) => c.notNull().unique())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('parent_id', 'integer')
    .addColumn('root_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await s.createIndex('placement_provider_root_idx').on('placement_provider').column('root_id').execute();
  await s.createIndex('placement_provider_parent_idx').on('placement_provider').column('parent_id').execute();

  await createTable(db, 'placement_inventory')
    .addColumn('provider_id', 'integer', (c) => c.notNull())
    .addColumn('resource_class', NAME, (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('reserved', 'bigint', (c) => c.notNull())
    .addColumn('min_unit', 'bigint', (c) => c.notNull())
    .addColumn('max_unit', 'bigint', (c) => c.notNull())
    .addColumn('step_size', 'bigint', (c) => c.notNull())
    .addColumn('allocation_ratio', 'double precision', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_inventory_pk', ['provider_id', 'resource_class'])
    .execute();
  await s.createIndex('placement_inventory_rc_idx').on('placement_inventory').columns(['resource_class', 'provider_id']).execute();

  await createTable(db, 'placement_consumer')
    .addColumn('uuid', ID, (c) => c.primaryKey())
    .addColumn('project_id', NAME, (c) => c.notNull())
    .addColumn('user_id', NAME, (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('consumer_type', NAME)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await s.createIndex('placement_consumer_project_idx').on('placement_consumer').columns(['project_id', 'user_id']).execute();

  await createTable(db, 'placement_allocation')
    .addColumn('consumer_id', ID, (c) => c.notNull())
    .addColumn('provider_id', 'integer', (c) => c.notNull())
    .addColumn('resource_class', NAME, (c) => c.notNull())
    .addColumn('used', 'bigint', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_allocation_pk', ['consumer_id', 'provider_id', 'resource_class'])
    .execute();
  await s.createIndex('placement_allocation_rc_idx').on('placement_allocation').columns(['resource_class', 'provider_id']).execute();
  await s.createIndex('placement_allocation_provider_idx').on('placement_allocation').columns(['provider_id', 'consumer_id']).execute();

  await createTable(db, 'placement_provider_trait')
    .addColumn('provider_id', 'integer', (c) => c.notNull())
    .addColumn('trait', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_provider_trait_pk', ['provider_id', 'trait'])
    .execute();
  await s.createIndex('placement_provider_trait_idx').on('placement_provider_trait').columns(['trait', 'provider_id']).execute();

  await createTable(db, 'placement_provider_aggregate')
    .addColumn('provider_id', 'integer', (c) => c.notNull())
    .addColumn('aggregate', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_provider_aggregate_pk', ['provider_id', 'aggregate'])
    .execute();
  await s.createIndex('placement_provider_aggregate_idx').on('placement_provider_aggregate').columns(['aggregate', 'provider_id']).execute();

  for (const table of ['placement_resource_class', 'placement_trait']) {
    await createTable(db, table)
      .addColumn('name', NAME, (c) => c.primaryKey())
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addColumn('updated_at', TIME, (c) => c.notNull())
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['placement_trait', 'placement_resource_class', 'placement_provider_aggregate', 'placement_provider_trait', 'placement_allocation', 'placement_consumer', 'placement_inventory', 'placement_provider']) {
    await db.schema.dropTable(t).execute();
  }
}
