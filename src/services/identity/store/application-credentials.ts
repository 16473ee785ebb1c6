import { fromDbBool, fromDbTime, toDbBool, toDbTime } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { ApplicationCredentialTable } from './tables.ts';
import {
  accessRuleIdTaken,
  findAccessRule,
  getAccessRule,
  insertAccessRule,
} from './access-rules.ts';

export interface ApplicationCredential {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string;
  readonly description: string | null;
  readonly userId: string;
  readonly projectId: string | null;
  readonly system: string | null;
  readonly expiresAt: Date | null;
  /** expires_at as stored, with the microseconds a Date drops (the API echoes them). */
  readonly expiresAtStored: string | null;
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
    expiresAtStored: r.expires_at,
    unrestricted: fromDbBool(r.unrestricted),
    createdAt: fromDbTime(r.created_at),
  };
}

export async function getApplicationCredential(
  db: IdentityDb,
  id: string,
): Promise<ApplicationCredential | undefined> {
  const row = await db
    .selectFrom('identity_application_credential')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
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

export async function applicationCredentialAccessRules(
  db: IdentityDb,
  id: string,
): Promise<AccessRule[]> {
  return db
    .selectFrom('identity_application_credential_access_rule as l')
    .innerJoin('identity_access_rule as r', 'r.id', 'l.access_rule_id')
    .select(['r.id', 'r.service', 'r.path', 'r.method'])
    .where('l.application_credential_id', '=', id)
    .execute();
}

export interface ApplicationCredentialFilters {
  readonly name?: string | undefined;
}

export async function listApplicationCredentials(
  db: IdentityDb,
  userId: string,
  filters: ApplicationCredentialFilters = {},
): Promise<ApplicationCredential[]> {
  let q = db
    .selectFrom('identity_application_credential')
    .selectAll()
    .where('user_id', '=', userId);
  if (filters.name !== undefined) q = q.where('name', '=', filters.name);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(applicationCredentialFromRow);
}

export async function countApplicationCredentials(db: IdentityDb, userId: string): Promise<number> {
  const row = await db
    .selectFrom('identity_application_credential')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An access rule as a creation request names it: an existing rule by id, or a new rule. */
export interface AccessRuleRequest {
  readonly id?: string | undefined;
  readonly service?: string | undefined;
  readonly path?: string | undefined;
  readonly method?: string | undefined;
}

export interface NewApplicationCredential {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string;
  readonly description: string | null;
  readonly userId: string;
  readonly projectId: string;
  /** Stored-format time (see core/db toDbTime), microseconds kept. */
  readonly expiresAtStored: string | null;
  readonly unrestricted: boolean;
  readonly createdAt: Date;
  readonly roleIds: readonly string[];
  readonly accessRules: readonly AccessRuleRequest[];
  /** Id for a rule the request does not name and no existing rule matches. */
  readonly newAccessRuleId: () => string;
}

/** Why an access rule of a creation request could not be resolved. */
export class AccessRuleUnresolvable extends Error {
  constructor(readonly ruleId: string | undefined) {
    super(
      ruleId ? `access rule ${ruleId} not found` : 'access rule needs service, path and method',
    );
    this.name = 'AccessRuleUnresolvable';
  }
}

/**
 * Stores an application credential with its roles and access rules in one transaction.
 * Rules named by id must be the user's own; rules given by value reuse the user's rule with
 * the same service, path and method, else a new rule is made. Throws the driver's unique
 * violation when the user already has a credential with this name.
 */
export async function insertApplicationCredential(
  db: IdentityDb,
  ac: NewApplicationCredential,
): Promise<AccessRule[]> {
  return db.transaction().execute(async (trx) => {
    const tx = trx as unknown as IdentityDb;
    await tx
      .insertInto('identity_application_credential')
      .values({
        id: ac.id,
        name: ac.name,
        secret_hash: ac.secretHash,
        description: ac.description,
        user_id: ac.userId,
        project_id: ac.projectId,
        system: null,
        expires_at: ac.expiresAtStored,
        unrestricted: toDbBool(ac.unrestricted),
        created_at: toDbTime(ac.createdAt),
      })
      .execute();
    for (const roleId of new Set(ac.roleIds)) {
      await tx
        .insertInto('identity_application_credential_role')
        .values({ application_credential_id: ac.id, role_id: roleId })
        .execute();
    }
    const linked: AccessRule[] = [];
    for (const req of ac.accessRules) {
      const rule = await resolveAccessRule(tx, ac.userId, req, ac.newAccessRuleId);
      if (linked.some((r) => r.id === rule.id)) continue;
      await tx
        .insertInto('identity_application_credential_access_rule')
        .values({ application_credential_id: ac.id, access_rule_id: rule.id })
        .execute();
      linked.push(rule);
    }
    return linked;
  });
}

async function resolveAccessRule(
  db: IdentityDb,
  userId: string,
  req: AccessRuleRequest,
  newId: () => string,
): Promise<AccessRule> {
  if (req.id !== undefined) {
    const own = await getAccessRule(db, userId, req.id);
    if (own) return own;
  }
  if (req.service === undefined || req.path === undefined || req.method === undefined) {
    throw new AccessRuleUnresolvable(req.id);
  }
  const wanted = { service: req.service, path: req.path, method: req.method };
  const same = await findAccessRule(db, userId, wanted);
  if (same) return same;
  // A client-chosen id that another user's rule already holds cannot be reused.
  const id = req.id !== undefined && !(await accessRuleIdTaken(db, req.id)) ? req.id : newId();
  const rule = { id, ...wanted };
  await insertAccessRule(db, userId, rule);
  return rule;
}

export async function deleteApplicationCredential(db: IdentityDb, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('identity_application_credential')
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Deletes a user's application credentials on one project (Keystone does this when the
 * user loses a role assignment there), or on every project when none is named (user
 * disabled). Their tokens stop validating at once.
 */
export async function deleteApplicationCredentialsOfUser(
  db: IdentityDb,
  userId: string,
  projectId?: string,
): Promise<number> {
  let q = db.deleteFrom('identity_application_credential').where('user_id', '=', userId);
  if (projectId !== undefined) q = q.where('project_id', '=', projectId);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}
