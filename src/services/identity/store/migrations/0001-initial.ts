import { PostgresAdapter, type CreateTableBuilder, type Kysely } from 'kysely';
import { createTable } from '../../../../core/db/index.ts';

// Column types that mean the same on SQLite, PostgreSQL and MariaDB. Indexed strings need a
// length on MariaDB; free text and JSON are `text`.
const ID = 'varchar(64)';
const NAME = 'varchar(255)';
const TIME = 'varchar(32)';
const BOOL = 'integer';

const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

/** An auto-numbered primary key: PostgreSQL spells it serial, the others AUTO_INCREMENT. */
function addSerialId<T extends { addColumn: CreateTableBuilder<string, never>['addColumn'] }>(db: Kysely<unknown>, t: T) {
  return isPostgres(db)
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await createTable(db, 'identity_project')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('parent_id', ID, (c) => c.references('identity_project.id'))
    .addColumn('is_domain', BOOL, (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', BOOL, (c) => c.notNull().defaultTo(1))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addUniqueConstraint('identity_project_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createIndex('identity_project_parent').on('identity_project').column('parent_id').execute();

  await createTable(db, 'identity_project_tag')
    .addColumn('project_id', ID, (c) => c.notNull().references('identity_project.id').onDelete('cascade'))
    .addColumn('name', NAME, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_project_tag_pk', ['project_id', 'name'])
    .execute();

  await createTable(db, 'identity_user')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('enabled', BOOL, (c) => c.notNull().defaultTo(1))
    .addColumn('default_project_id', ID)
    .addColumn('description', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('last_active_at', TIME)
    .addColumn('failed_auth_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_auth_at', TIME)
    .addUniqueConstraint('identity_user_domain_name', ['domain_id', 'name'])
    .execute();

  await addSerialId(db, createTable(db, 'identity_password'))
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('expires_at', TIME)
    .addColumn('self_service', BOOL, (c) => c.notNull().defaultTo(0))
    .execute();
  await s.createIndex('identity_password_user').on('identity_password').columns(['user_id', 'created_at']).execute();

  await createTable(db, 'identity_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('identity_group_domain_name', ['domain_id', 'name'])
    .execute();

  await createTable(db, 'identity_group_membership')
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('group_id', ID, (c) => c.notNull().references('identity_group.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_group_membership_pk', ['user_id', 'group_id'])
    .execute();
  await s.createIndex('identity_group_membership_group').on('identity_group_membership').column('group_id').execute();

  await createTable(db, 'identity_role')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('identity_role_name_domain', ['name', 'domain_id'])
    .execute();

  await createTable(db, 'identity_implied_role')
    .addColumn('prior_role_id', ID, (c) => c.notNull().references('identity_role.id').onDelete('cascade'))
    .addColumn('implied_role_id', ID, (c) => c.notNull().references('identity_role.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_implied_role_pk', ['prior_role_id', 'implied_role_id'])
    .execute();

  await createTable(db, 'identity_assignment')
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', ID, (c) => c.notNull())
    .addColumn('target_id', ID, (c) => c.notNull())
    .addColumn('role_id', ID, (c) => c.notNull().references('identity_role.id').onDelete('cascade'))
    .addColumn('inherited', BOOL, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('identity_assignment_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
    .execute();
  await s.createIndex('identity_assignment_actor').on('identity_assignment').column('actor_id').execute();
  await s.createIndex('identity_assignment_target').on('identity_assignment').column('target_id').execute();
  await s.createIndex('identity_assignment_role').on('identity_assignment').column('role_id').execute();

  await createTable(db, 'identity_region')
    .addColumn('id', NAME, (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('parent_region_id', NAME)
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await createTable(db, 'identity_service')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('type', NAME, (c) => c.notNull())
    .addColumn('enabled', BOOL, (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await createTable(db, 'identity_endpoint')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('service_id', ID, (c) => c.notNull().references('identity_service.id').onDelete('cascade'))
    .addColumn('interface', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('region_id', NAME)
    .addColumn('enabled', BOOL, (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('identity_endpoint_service').on('identity_endpoint').column('service_id').execute();

  await createTable(db, 'identity_endpoint_group')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull())
    .execute();

  await createTable(db, 'identity_project_endpoint')
    .addColumn('endpoint_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_project_endpoint_pk', ['endpoint_id', 'project_id'])
    .execute();

  await createTable(db, 'identity_project_endpoint_group')
    .addColumn('endpoint_group_id', ID, (c) =>
      c.notNull().references('identity_endpoint_group.id').onDelete('cascade'),
    )
    .addColumn('project_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_project_endpoint_group_pk', ['endpoint_group_id', 'project_id'])
    .execute();

  await createTable(db, 'identity_credential')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('project_id', ID)
    .addColumn('type', NAME, (c) => c.notNull())
    .addColumn('encrypted_blob', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('identity_credential_user').on('identity_credential').column('user_id').execute();

  await createTable(db, 'identity_application_credential')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('project_id', ID)
    .addColumn('system', 'varchar(16)')
    .addColumn('expires_at', TIME)
    .addColumn('unrestricted', BOOL, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addUniqueConstraint('identity_application_credential_user_name', ['user_id', 'name'])
    .execute();

  await createTable(db, 'identity_application_credential_role')
    .addColumn('application_credential_id', ID, (c) =>
      c.notNull().references('identity_application_credential.id').onDelete('cascade'),
    )
    .addColumn('role_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_application_credential_role_pk', ['application_credential_id', 'role_id'])
    .execute();

  await createTable(db, 'identity_access_rule')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('user_id', ID, (c) => c.notNull().references('identity_user.id').onDelete('cascade'))
    .addColumn('service', NAME, (c) => c.notNull())
    .addColumn('path', 'varchar(512)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    .execute();
  await s.createIndex('identity_access_rule_user').on('identity_access_rule').column('user_id').execute();

  await createTable(db, 'identity_application_credential_access_rule')
    .addColumn('application_credential_id', ID, (c) =>
      c.notNull().references('identity_application_credential.id').onDelete('cascade'),
    )
    .addColumn('access_rule_id', ID, (c) => c.notNull().references('identity_access_rule.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_application_credential_access_rule_pk', [
      'application_credential_id',
      'access_rule_id',
    ])
    .execute();

  await createTable(db, 'identity_trust')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('trustor_user_id', ID, (c) => c.notNull())
    .addColumn('trustee_user_id', ID, (c) => c.notNull())
    .addColumn('project_id', ID)
    .addColumn('impersonation', BOOL, (c) => c.notNull())
    .addColumn('expires_at', TIME)
    .addColumn('remaining_uses', 'integer')
    .addColumn('deleted_at', TIME)
    .addColumn('redelegated_trust_id', ID)
    .addColumn('redelegation_count', 'integer')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('identity_trust_trustor').on('identity_trust').column('trustor_user_id').execute();
  await s.createIndex('identity_trust_trustee').on('identity_trust').column('trustee_user_id').execute();

  await createTable(db, 'identity_trust_role')
    .addColumn('trust_id', ID, (c) => c.notNull().references('identity_trust.id').onDelete('cascade'))
    .addColumn('role_id', ID, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_trust_role_pk', ['trust_id', 'role_id'])
    .execute();

  await addSerialId(db, createTable(db, 'identity_revocation_event'))
    .addColumn('domain_id', ID)
    .addColumn('project_id', ID)
    .addColumn('user_id', ID)
    .addColumn('role_id', ID)
    .addColumn('trust_id', ID)
    .addColumn('consumer_id', ID)
    .addColumn('access_token_id', ID)
    .addColumn('audit_id', ID)
    .addColumn('audit_chain_id', ID)
    .addColumn('issued_before', TIME, (c) => c.notNull())
    .addColumn('expires_at', TIME)
    .addColumn('revoked_at', TIME, (c) => c.notNull())
    .execute();
  await s.createIndex('identity_revocation_event_revoked_at').on('identity_revocation_event').column('revoked_at').execute();

  await createTable(db, 'identity_registered_limit')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('service_id', ID, (c) => c.notNull().references('identity_service.id'))
    .addColumn('region_id', NAME)
    .addColumn('resource_name', NAME, (c) => c.notNull())
    .addColumn('default_limit', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();

  await createTable(db, 'identity_limit')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('project_id', ID)
    .addColumn('domain_id', ID)
    .addColumn('service_id', ID, (c) => c.notNull().references('identity_service.id'))
    .addColumn('region_id', NAME)
    .addColumn('resource_name', NAME, (c) => c.notNull())
    .addColumn('resource_limit', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();

  await createTable(db, 'identity_policy')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('type', NAME, (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();

  await createTable(db, 'identity_domain_config')
    .addColumn('domain_id', ID, (c) => c.notNull())
    .addColumn('group_name', NAME, (c) => c.notNull())
    .addColumn('option_name', NAME, (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('sensitive', BOOL, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('identity_domain_config_pk', ['domain_id', 'group_name', 'option_name'])
    .execute();

  await createTable(db, 'identity_oauth_consumer')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('secret_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'identity_oauth_consumer',
    'identity_domain_config',
    'identity_policy',
    'identity_limit',
    'identity_registered_limit',
    'identity_revocation_event',
    'identity_trust_role',
    'identity_trust',
    'identity_application_credential_access_rule',
    'identity_access_rule',
    'identity_application_credential_role',
    'identity_application_credential',
    'identity_credential',
    'identity_project_endpoint_group',
    'identity_project_endpoint',
    'identity_endpoint_group',
    'identity_endpoint',
    'identity_service',
    'identity_region',
    'identity_assignment',
    'identity_implied_role',
    'identity_role',
    'identity_group_membership',
    'identity_group',
    'identity_password',
    'identity_user',
    'identity_project_tag',
    'identity_project',
  ];
  for (const t of tables) await db.schema.dropTable(t).ifExists().execute();
}
