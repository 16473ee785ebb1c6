import { fromDbBool, fromDbTime } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { ApplicationCredentialTable } from './tables.ts';

export interface ApplicationCredential {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string;
  readonly description: string | null;
  readonly userId: string;
  readonly projectId: string | null;
  readonly system: string | null;
  readonly expiresAt: Date | null;
  readonly unrestricted: boolean;
  readonly createdAt: Date;
}

export interface AccessRule {
  readonly id: string;
  readonly service: string;
  readonly path: string;
  readonly method: string;
}

export function applicationCredentialFromRow(r: ApplicationCredentialTable): ApplicationCredential {
  return {
    id: r.id,
    name: r.name,
    secretHash: r.secret_hash,
    description: r.description,
    userId: r.user_id,
    projectId: r.project_id,
    system: r.system,
    expiresAt: r.expires_at ? fromDbTime(r.expires_at) : null,
    unrestricted: fromDbBool(r.unrestricted),
    createdAt: fromDbTime(r.created_at),
  };
}

export async function getApplicationCredential(db: IdentityDb, id: string): Promise<ApplicationCredential | undefined> {
  const row = await db.selectFrom('identity_application_credential').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? applicationCredentialFromRow(row) : undefined;
}

export async function findApplicationCredentialByName(
  db: IdentityDb,
  userId: string,
  name: string,
): Promise<ApplicationCredential | undefined> {
  const row = await db
    .selectFrom('identity_application_credential')
    .selectAll()
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? applicationCredentialFromRow(row) : undefined;
}

/** Role ids the application credential delegates. */
export async function applicationCredentialRoleIds(db: IdentityDb, id: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_application_credential_role')
    .select('role_id')
    .where('application_credential_id', '=', id)
    .execute();
  return rows.map((r) => r.role_id);
}

export async function applicationCredentialAccessRules(db: IdentityDb, id: string): Promise<AccessRule[]> {
  return db
    .selectFrom('identity_application_credential_access_rule as l')
    .innerJoin('identity_access_rule as r', 'r.id', 'l.access_rule_id')
    .select(['r.id', 'r.service', 'r.path', 'r.method'])
    .where('l.application_credential_id', '=', id)
    .execute();
}
