import { randomUUID } from 'node:crypto';
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { createTable, dbTypes, textType, toDbTime } from '../../../../core/db/index.ts';

const { id: ID, time: TIME, bool: BOOL } = dbTypes;
const NAME = 'varchar(255)';
const SHORT = 'varchar(80)';

/** Resource types Glance's metadata definitions associate with (Glance loads them from etc/metadefs). */
const RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server', 'OS::Trove::Instance'];

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const text = textType(db);

  await createTable(db, 'image_image')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME)
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('visibility', 'varchar(16)', (c) => c.notNull())
    .addColumn('protected', BOOL, (c) => c.notNull())
    .addColumn('os_hidden', BOOL, (c) => c.notNull())
    .addColumn('owner', NAME)
    .addColumn('size', 'bigint')
    .addColumn('virtual_size', 'bigint')
    .addColumn('checksum', 'varchar(32)')
    .addColumn('os_hash_algo', 'varchar(64)')
    .addColumn('os_hash_value', 'varchar(128)')
    .addColumn('disk_format', 'varchar(32)')
    .addColumn('container_format', 'varchar(32)')
    .addColumn('min_disk', 'integer', (c) => c.notNull())
    .addColumn('min_ram', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('deleted', BOOL, (c) => c.notNull())
    .addColumn('deleted_at', TIME)
    .addColumn('op_worker', 'varchar(128)')
    .addColumn('op_heartbeat', TIME)
    .execute();
  await s.createIndex('image_image_owner_idx').on('image_image').columns(['owner', 'deleted']).execute();
  await s.createIndex('image_image_visibility_idx').on('image_image').columns(['visibility', 'deleted']).execute();
  await s.createIndex('image_image_created_idx').on('image_image').columns(['created_at', 'id']).execute();
  await s.createIndex('image_image_op_idx').on('image_image').column('op_worker').execute();

  await createTable(db, 'image_property')
    .addColumn('image_id', ID, (c) => c.notNull().references('image_image.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_property_pk', ['image_id', 'name'])
    .execute();
  await s.createIndex('image_property_name_idx').on('image_property').column('name').execute();

  await createTable(db, 'image_tag')
    .addColumn('image_id', ID, (c) => c.notNull().references('image_image.id').onDelete('cascade'))
    .addColumn('value', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_tag_pk', ['image_id', 'value'])
    .execute();
  await s.createIndex('image_tag_value_idx').on('image_tag').column('value').execute();

  await createTable(db, 'image_member')
    .addColumn('image_id', ID, (c) => c.notNull().references('image_image.id').onDelete('cascade'))
    .addColumn('member', NAME, (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_member_pk', ['image_id', 'member'])
    .execute();
  await s.createIndex('image_member_member_idx').on('image_member').columns(['member', 'status']).execute();

  await createTable(db, 'image_location')
    .addColumn('image_id', ID, (c) => c.notNull().references('image_image.id').onDelete('cascade'))
    .addColumn('store_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('url', text, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_location_pk', ['image_id', 'store_id'])
    .execute();
  await s.createIndex('image_location_status_idx').on('image_location').column('status').execute();

  await createTable(db, 'image_task')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('image_id', ID, (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('owner', NAME, (c) => c.notNull())
    .addColumn('user_id', NAME, (c) => c.notNull())
    .addColumn('request_id', NAME, (c) => c.notNull())
    .addColumn('input', text, (c) => c.notNull())
    .addColumn('result', text)
    .addColumn('message', text, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('expires_at', TIME)
    .addColumn('lease_owner', 'varchar(128)')
    .addColumn('lease_until', TIME)
    .execute();
  await s.createIndex('image_task_image_idx').on('image_task').column('image_id').execute();
  await s.createIndex('image_task_status_idx').on('image_task').columns(['status', 'lease_until']).execute();

  await createMetadefTables(db);
}

async function createMetadefTables(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  const ns = (c: ColumnDefinitionBuilder) =>
    c.notNull().references('image_metadef_namespace.id').onDelete('cascade');

  await createTable(db, 'image_metadef_namespace')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('namespace', SHORT, (c) => c.notNull().unique())
    .addColumn('display_name', SHORT)
    .addColumn('description', text)
    .addColumn('visibility', 'varchar(32)', (c) => c.notNull())
    .addColumn('protected', BOOL, (c) => c.notNull())
    .addColumn('owner', NAME, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();

  for (const [table, extra] of [
    ['image_metadef_object', true],
    ['image_metadef_property', false],
    ['image_metadef_tag', false],
  ] as const) {
    let t = createTable(db, table)
      .addColumn('id', ID, (c) => c.primaryKey())
      .addColumn('namespace_id', ID, ns)
      .addColumn('name', SHORT, (c) => c.notNull());
    if (table === 'image_metadef_property') t = t.addColumn('json_schema', text, (c) => c.notNull());
    if (extra) t = t.addColumn('description', text).addColumn('required', text).addColumn('properties', text);
    await t
      .addColumn('created_at', TIME, (c) => c.notNull())
      .addColumn('updated_at', TIME, (c) => c.notNull())
      .addUniqueConstraint(`${table}_name_uq`, ['namespace_id', 'name'])
      .execute();
  }

  await createTable(db, 'image_metadef_resource_type')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', SHORT, (c) => c.notNull().unique())
    .addColumn('protected', BOOL, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();

  await createTable(db, 'image_metadef_resource_type_assoc')
    .addColumn('namespace_id', ID, ns)
    .addColumn('resource_type_id', ID, (c) => c.notNull().references('image_metadef_resource_type.id'))
    .addColumn('prefix', SHORT)
    .addColumn('properties_target', SHORT)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_metadef_rt_assoc_pk', ['namespace_id', 'resource_type_id'])
    .execute();

  const now = toDbTime(new Date());
  await (db as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto('image_metadef_resource_type')
    .values(RESOURCE_TYPES.map((name) => ({ id: randomUUID(), name, protected: 1, created_at: now, updated_at: now })))
    .execute();
}
