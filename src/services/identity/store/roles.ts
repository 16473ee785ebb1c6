import { fromDbJson } from '../../../core/db/index.ts';
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
  const row = await db.selectFrom('identity_role').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? roleFromRow(row) : undefined;
}

export async function rolesByIds(db: IdentityDb, ids: readonly string[]): Promise<Role[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('identity_role').selectAll().where('id', 'in', [...ids]).execute();
  return rows.map(roleFromRow);
}

export async function findGlobalRoleByName(db: IdentityDb, name: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('identity_role')
    .selectAll()
    .where('name', '=', name)
    .where('domain_id', '=', NULL_DOMAIN)
    .executeTakeFirst();
  return row ? roleFromRow(row) : undefined;
}

/** Every implication rule (prior -> implied). The table is small: a few per role at most. */
export async function impliedRoleRules(db: IdentityDb): Promise<Array<{ prior: string; implied: string }>> {
  const rows = await db.selectFrom('identity_implied_role').selectAll().execute();
  return rows.map((r) => ({ prior: r.prior_role_id, implied: r.implied_role_id }));
}

/** Expands role ids through the implication rules, transitively, without looping on cycles. */
export function expandImplied(roleIds: Iterable<string>, rules: ReadonlyArray<{ prior: string; implied: string }>): Set<string> {
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
