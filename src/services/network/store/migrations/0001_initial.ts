import type { Kysely } from 'kysely';
import { createTable, dbTypes, textType } from '../../../../core/db/index.ts';

const ID = dbTypes.id;
const TIME = dbTypes.time;
const BOOL = dbTypes.bool;
const NAME = 'varchar(255)';
const SHORT = 'varchar(64)';
/** Long enough for any IPv6 address in text and its prefix length. */
const ADDRESS = 'varchar(64)';

export async function up(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);

  await createTable(db, 'network_network')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('admin_state_up', BOOL, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('shared', BOOL, (c) => c.notNull())
    .addColumn('external', BOOL, (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('port_security_enabled', BOOL, (c) => c.notNull())
    .addColumn('availability_zone_hints', text, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_network_project_idx').on('network_network').column('project_id').execute();

  await createTable(db, 'network_segment')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('network_id', ID, (c) => c.notNull().references('network_network.id').onDelete('cascade'))
    .addColumn('network_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('physical_network', SHORT, (c) => c.notNull())
    .addColumn('segmentation_id', 'integer', (c) => c.notNull())
    .addColumn('segment_index', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addUniqueConstraint('network_segment_allocation_uq', ['network_type', 'physical_network', 'segmentation_id'])
    .execute();
  await db.schema.createIndex('network_segment_network_idx').on('network_segment').column('network_id').execute();

  await createTable(db, 'network_subnet')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('network_id', ID, (c) => c.notNull().references('network_network.id'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', ADDRESS, (c) => c.notNull())
    .addColumn('gateway_ip', ADDRESS)
    .addColumn('enable_dhcp', BOOL, (c) => c.notNull())
    .addColumn('ipv6_ra_mode', 'varchar(32)')
    .addColumn('ipv6_address_mode', 'varchar(32)')
    .addColumn('allocation_pools', text, (c) => c.notNull())
    .addColumn('dns_nameservers', text, (c) => c.notNull())
    .addColumn('host_routes', text, (c) => c.notNull())
    .addColumn('subnetpool_id', ID)
    .addColumn('segment_id', ID)
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_subnet_network_idx').on('network_subnet').column('network_id').execute();

  await createTable(db, 'network_port')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addColumn('network_id', ID, (c) => c.notNull().references('network_network.id'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', NAME, (c) => c.notNull())
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', BOOL, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('device_id', NAME, (c) => c.notNull())
    .addColumn('device_owner', NAME, (c) => c.notNull())
    .addColumn('port_security_enabled', BOOL, (c) => c.notNull())
    .addColumn('binding_host_id', NAME, (c) => c.notNull())
    .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('binding_profile', text, (c) => c.notNull())
    .addColumn('binding_vif_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('binding_vif_details', text, (c) => c.notNull())
    .addColumn('allowed_address_pairs', text, (c) => c.notNull())
    .addColumn('extra_dhcp_opts', text, (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    // Neutron's MacAddressInUse is per network.
    .addUniqueConstraint('network_port_mac_uq', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('network_port_device_idx').on('network_port').column('device_id').execute();
  await db.schema.createIndex('network_port_project_idx').on('network_port').column('project_id').execute();

  await createTable(db, 'network_ip_allocation')
    .addColumn('subnet_id', ID, (c) => c.notNull().references('network_subnet.id'))
    .addColumn('ip_address', ADDRESS, (c) => c.notNull())
    .addColumn('network_id', ID, (c) => c.notNull())
    .addColumn('port_id', ID, (c) => c.notNull().references('network_port.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('network_ip_allocation_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('network_ip_allocation_port_idx').on('network_ip_allocation').column('port_id').execute();

  await createTable(db, 'network_tag')
    .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('resource_id', ID, (c) => c.notNull())
    .addColumn('tag', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_tag_pk', ['resource_type', 'resource_id', 'tag'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['network_tag', 'network_ip_allocation', 'network_port', 'network_subnet', 'network_segment', 'network_network']) {
    await db.schema.dropTable(t).execute();
  }
}
