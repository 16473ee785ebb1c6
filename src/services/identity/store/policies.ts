import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { PolicyTable } from './tables.ts';

/**
 * A policy blob of the legacy /v3/policies store: opaque to the identity service, kept
 * for clients that publish policy files through it.
 */
export interface PolicyBlob {
  readonly id: string;
  readonly type: string;
  readonly blob: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

export function policyFromRow(row: PolicyTable): PolicyBlob {
  return { id: row.id, type: row.type, blob: row.blob, extra: fromDbJson(row.extra) };
}

export async function getPolicy(db: IdentityDb, id: string): Promise<PolicyBlob | undefined> {
  const row = await db
    .selectFrom('identity_policy')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? policyFromRow(row) : undefined;
}

export async function listPolicies(
  db: IdentityDb,
  filters: { type?: string } = {},
): Promise<PolicyBlob[]> {
  let q = db.selectFrom('identity_policy').selectAll();
  if (filters.type !== undefined) q = q.where('type', '=', filters.type);
  return (await q.orderBy('id').execute()).map(policyFromRow);
}

export async function insertPolicy(db: IdentityDb, p: PolicyBlob): Promise<void> {
  await db
    .insertInto('identity_policy')
    .values({ id: p.id, type: p.type, blob: p.blob, extra: toDbJson(p.extra) })
    .execute();
}

export async function updatePolicyRow(db: IdentityDb, p: PolicyBlob): Promise<void> {
  await db
    .updateTable('identity_policy')
    .set({ type: p.type, blob: p.blob, extra: toDbJson(p.extra) })
    .where('id', '=', p.id)
    .execute();
}

/** False when there was no such policy. */
export async function deletePolicy(db: IdentityDb, id: string): Promise<boolean> {
  const res = await db.deleteFrom('identity_policy').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
