import type { Kysely } from 'kysely';
import { createTable } from '../../../../core/db/index.ts';

const ID = 'varchar(64)';
const NAME = 'varchar(255)';
const TIME = 'varchar(32)';
const STATUS = 'varchar(32)';

/** A key/value table owned by one kind of row, e.g. volume metadata. */
async function keyValueTable(db: Kysely<unknown>, name: string, owner: string) {
  await createTable(db, name)
    .addColumn('owner_id', ID, (c) => c.notNull().references(`${owner}.id`).onDelete('cascade'))
    .addColumn('key', NAME, (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['owner_id', 'key'])
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'block_storage_qos_spec')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('consumer', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await keyValueTable(db, 'block_storage_qos_spec_key', 'block_storage_qos_spec');

  await createTable(db, 'block_storage_volume_type')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('qos_specs_id', ID, (c) => c.references('block_storage_qos_spec.id'))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await keyValueTable(db, 'block_storage_volume_type_extra_spec', 'block_storage_volume_type');
  await createTable(db, 'block_storage_volume_type_access')
    .addColumn('volume_type_id', ID, (c) => c.notNull().references('block_storage_volume_type.id').onDelete('cascade'))
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('block_storage_volume_type_access_pk', ['volume_type_id', 'project_id'])
    .execute();

  await createTable(db, 'block_storage_group_type')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await keyValueTable(db, 'block_storage_group_type_spec', 'block_storage_group_type');

  await createTable(db, 'block_storage_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME)
    .addColumn('description', 'text')
    .addColumn('group_type_id', ID, (c) => c.notNull().references('block_storage_group_type.id'))
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('availability_zone', NAME, (c) => c.notNull())
    .addColumn('host', NAME)
    .addColumn('group_snapshot_id', ID)
    .addColumn('source_group_id', ID)
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();
  await createTable(db, 'block_storage_group_volume_type')
    .addColumn('group_id', ID, (c) => c.notNull().references('block_storage_group.id').onDelete('cascade'))
    .addColumn('volume_type_id', ID, (c) => c.notNull().references('block_storage_volume_type.id'))
    .addPrimaryKeyConstraint('block_storage_group_volume_type_pk', ['group_id', 'volume_type_id'])
    .execute();

  await createTable(db, 'block_storage_volume')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME)
    .addColumn('description', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('attach_status', STATUS, (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('availability_zone', NAME, (c) => c.notNull())
    .addColumn('volume_type_id', ID, (c) => c.notNull().references('block_storage_volume_type.id'))
    .addColumn('snapshot_id', ID)
    .addColumn('source_volid', ID)
    .addColumn('image_id', ID)
    .addColumn('bootable', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('multiattach', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host', NAME)
    .addColumn('provider_location', 'text')
    .addColumn('migration_status', STATUS)
    .addColumn('group_id', ID, (c) => c.references('block_storage_group.id'))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .addColumn('launched_at', TIME)
    .execute();
  await db.schema.createIndex('block_storage_volume_project').on('block_storage_volume').columns(['project_id', 'created_at']).execute();
  await keyValueTable(db, 'block_storage_volume_metadata', 'block_storage_volume');
  await keyValueTable(db, 'block_storage_volume_admin_metadata', 'block_storage_volume');
  await keyValueTable(db, 'block_storage_volume_image_metadata', 'block_storage_volume');

  await createTable(db, 'block_storage_group_snapshot')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('group_id', ID, (c) => c.notNull().references('block_storage_group.id'))
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME)
    .addColumn('description', 'text')
    .addColumn('group_type_id', ID, (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .execute();

  await createTable(db, 'block_storage_snapshot')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('volume_id', ID, (c) => c.notNull().references('block_storage_volume.id'))
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME)
    .addColumn('description', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('progress', 'varchar(8)', (c) => c.notNull())
    .addColumn('provider_location', 'text')
    .addColumn('group_snapshot_id', ID, (c) => c.references('block_storage_group_snapshot.id'))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('block_storage_snapshot_project').on('block_storage_snapshot').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('block_storage_snapshot_volume').on('block_storage_snapshot').column('volume_id').execute();
  await keyValueTable(db, 'block_storage_snapshot_metadata', 'block_storage_snapshot');

  await createTable(db, 'block_storage_backup')
    .addColumn('id', ID, (c) => c.primaryKey())
    // No foreign key: a backup outlives its volume.
    .addColumn('volume_id', ID, (c) => c.notNull())
    .addColumn('snapshot_id', ID)
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('user_id', ID, (c) => c.notNull())
    .addColumn('name', NAME)
    .addColumn('description', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('availability_zone', NAME)
    .addColumn('container', NAME)
    .addColumn('object_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_incremental', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('parent_id', ID, (c) => c.references('block_storage_backup.id'))
    .addColumn('location', 'text')
    .addColumn('data_timestamp', TIME, (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('block_storage_backup_project').on('block_storage_backup').columns(['project_id', 'created_at']).execute();
  await keyValueTable(db, 'block_storage_backup_metadata', 'block_storage_backup');

  await createTable(db, 'block_storage_attachment')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('volume_id', ID, (c) => c.notNull().references('block_storage_volume.id').onDelete('cascade'))
    .addColumn('instance_uuid', ID)
    .addColumn('attached_host', NAME)
    .addColumn('mountpoint', NAME)
    .addColumn('attach_mode', 'varchar(4)', (c) => c.notNull())
    .addColumn('attach_status', STATUS, (c) => c.notNull())
    .addColumn('connector', 'text')
    .addColumn('connection_info', 'text')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME)
    .execute();
  await db.schema.createIndex('block_storage_attachment_volume').on('block_storage_attachment').column('volume_id').execute();

  await createTable(db, 'block_storage_transfer')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('volume_id', ID, (c) => c.notNull().references('block_storage_volume.id').onDelete('cascade'))
    .addColumn('name', NAME)
    .addColumn('salt', 'varchar(64)', (c) => c.notNull())
    .addColumn('crypt_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('source_project_id', ID, (c) => c.notNull())
    .addColumn('destination_project_id', ID)
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('no_snapshots', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('expires_at', TIME)
    .execute();

  await createTable(db, 'block_storage_quota')
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('resource', NAME, (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('block_storage_quota_pk', ['project_id', 'resource'])
    .execute();

  await createTable(db, 'block_storage_service')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('host', NAME, (c) => c.notNull())
    .addColumn('binary', 'varchar(64)', (c) => c.notNull())
    .addColumn('availability_zone', NAME, (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'text')
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addUniqueConstraint('block_storage_service_host_binary', ['host', 'binary'])
    .execute();

  await createTable(db, 'block_storage_message')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('request_id', NAME, (c) => c.notNull())
    .addColumn('resource_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_uuid', ID)
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('message_level', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_message', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('expires_at', TIME, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'block_storage_message',
    'block_storage_service',
    'block_storage_quota',
    'block_storage_transfer',
    'block_storage_attachment',
    'block_storage_backup_metadata',
    'block_storage_backup',
    'block_storage_snapshot_metadata',
    'block_storage_snapshot',
    'block_storage_group_snapshot',
    'block_storage_volume_image_metadata',
    'block_storage_volume_admin_metadata',
    'block_storage_volume_metadata',
    'block_storage_volume',
    'block_storage_group_volume_type',
    'block_storage_group',
    'block_storage_group_type_spec',
    'block_storage_group_type',
    'block_storage_volume_type_access',
    'block_storage_volume_type_extra_spec',
    'block_storage_volume_type',
    'block_storage_qos_spec_key',
    'block_storage_qos_spec',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
