import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import { NULL_DOMAIN, type RoleTable } from './tables.ts';

export interface Role {
  readonly id: string;
  readonly name: string;
  /** null for global roles. */
  readonly domainId: string | null;
  readonly description: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly extra: Readonly<Record<string, unknown>>;
}

export function roleFromRow(row: RoleTable): Role {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id === NULL_DOMAIN ? null : row.domain_id,
    description: row.description,
    options: fromDbJson(row.options),
    extra: fromDbJson(row.extra),
  };
}

export async function getRole(db: IdentityDb, id: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('identity_role')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? roleFromRow(row) : undefined;
}

export async function rolesByIds(db: IdentityDb, ids: readonly string[]): Promise<Role[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('identity_role')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return rows.map(roleFromRow);
}

export async function findGlobalRoleByName(
  db: IdentityDb,
  name: string,
): Promise<Role | undefined> {
  const row = await db
    .selectFrom('identity_role')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', NULL_DOMAIN)
    .executeTakeFirst();
  return row ? roleFromRow(row) : undefined;
}

/** Every implication rule (prior -> implied). The table is small: a few per role at most. */
export async function impliedRoleRules(
  db: IdentityDb,
): Promise<Array<{ prior: string; implied: string }>> {
  const rows = await db.selectFrom('identity_implied_role').selectAll().execute();
  return rows.map((r) => ({ prior: r.prior_role_id, implied: r.implied_role_id }));
}

/** Expands role ids through the implication rules, transitively, without looping on cycles. */
export function expandImplied(
  roleIds: Iterable<string>,
  rules: ReadonlyArray<{ prior: string; implied: string }>,
): Set<string> {
  const byPrior = new Map<string, string[]>();
  for (const r of rules) byPrior.set(r.prior, [...(byPrior.get(r.prior) ?? []), r.implied]);
  const out = new Set<string>();
  const stack = [...roleIds];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const next of byPrior.get(id) ?? []) stack.push(next);
  }
  return out;
}

/** Roles of one domain, or the global ones (domainId null), optionally with one name. */
export async function listRoles(
  db: IdentityDb,
  filter: { domainId: string | null; name?: string },
): Promise<Role[]> {
  let q = db
    .selectFrom('identity_role')
    .selectAll()
    .where('domain_id', '=', filter.domainId ?? NULL_DOMAIN);
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  const rows = await q.orderBy('name').orderBy('id').execute();
  return rows.map(roleFromRow);
}

export interface RoleFields {
  readonly name: string;
  readonly domainId: string | null;
  readonly description: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly extra: Readonly<Record<string, unknown>>;
}

function roleRow(id: string, r: RoleFields): RoleTable {
  return {
    id,
    name: r.name,
    domain_id: r.domainId ?? NULL_DOMAIN,
    description: r.description,
    options: toDbJson(r.options),
    extra: toDbJson(r.extra),
  };
}

/** Inserts a role; a duplicate name in the same domain raises the driver's unique violation. */
export async function insertRole(db: IdentityDb, id: string, fields: RoleFields): Promise<Role> {
  const row = roleRow(id, fields);
  await db.insertInto('identity_role').values(row).execute();
  return roleFromRow(row);
}

/** Replaces a role's mutable fields (domain_id never changes). */
export async function replaceRole(db: IdentityDb, role: Role): Promise<void> {
  const row = roleRow(role.id, role);
  await db
    .updateTable('identity_role')
    .set({ name: row.name, description: row.description, options: row.options, extra: row.extra })
    .where('id', '=', role.id)
    .execute();
}

/**
 * Deletes a role and what hangs on it: its assignments and implication rules, the links
 * of application credentials and trusts to it, and (as Keystone does) the application
 * credentials of each user holding it directly on a project.
 */
export async function deleteRole(db: IdentityDb, roleId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const holders = await trx
      .selectFrom('identity_assignment')
      .select(['actor_id', 'target_id'])
      .where('role_id', '=', roleId)
      .where('type', '=', 'UserProject')
      .execute();
    for (const h of holders) {
      await trx
        .deleteFrom('identity_application_credential')
        .where('user_id', '=', h.actor_id)
        .where('project_id', '=', h.target_id)
        .execute();
    }
    await trx
      .deleteFrom('identity_application_credential_role')
      .where('role_id', '=', roleId)
      .execute();
    await trx.deleteFrom('identity_trust_role').where('role_id', '=', roleId).execute();
    await trx.deleteFrom('identity_assignment').where('role_id', '=', roleId).execute();
    await trx
      .deleteFrom('identity_implied_role')
      .where((eb) => eb.or([eb('prior_role_id', '=', roleId), eb('implied_role_id', '=', roleId)]))
      .execute();
    await trx.deleteFrom('identity_role').where('id', '=', roleId).execute();
  });
}

export async function hasImpliedRule(
  db: IdentityDb,
  prior: string,
  implied: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('identity_implied_role')
    .select('prior_role_id')
    .where('prior_role_id', '=', prior)
    .where('implied_role_id', '=', implied)
    .executeTakeFirst();
  return row !== undefined;
}

/** Adds an implication rule; a duplicate raises the driver's unique violation. */
export async function addImpliedRule(
  db: IdentityDb,
  prior: string,
  implied: string,
): Promise<void> {
  await db
    .insertInto('identity_implied_role')
    .values({ prior_role_id: prior, implied_role_id: implied })
    .execute();
}

/** Removes an implication rule; false when there was none. */
export async function removeImpliedRule(
  db: IdentityDb,
  prior: string,
  implied: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('identity_implied_role')
    .where('prior_role_id', '=', prior)
    .where('implied_role_id', '=', implied)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The roles one role directly implies (not transitively). */
export async function impliedRoleIdsOf(db: IdentityDb, prior: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_implied_role')
    .select('implied_role_id')
    .where('prior_role_id', '=', prior)
    .orderBy('implied_role_id')
    .execute();
  return rows.map((r) => r.implied_role_id);
}
