import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import {
  fromDbBool,
  fromDbJson,
  fromDbTime,
  toDbBool,
  toDbJson,
  toDbTime,
} from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { IdentityTables, TrustTable } from './tables.ts';

export interface Trust {
  readonly id: string;
  readonly trustorUserId: string;
  readonly trusteeUserId: string;
  readonly projectId: string | null;
  readonly impersonation: boolean;
  readonly expiresAt: Date | null;
  /** expires_at as stored, with the microseconds a Date drops (the API echoes them). */
  readonly expiresAtStored: string | null;
  readonly remainingUses: number | null;
  readonly deletedAt: Date | null;
  readonly redelegatedTrustId: string | null;
  readonly redelegationCount: number | null;
  readonly extra: Readonly<Record<string, unknown>>;
}

export function trustFromRow(r: TrustTable): Trust {
  return {
    id: r.id,
    trustorUserId: r.trustor_user_id,
    trusteeUserId: r.trustee_user_id,
    projectId: r.project_id,
    impersonation: fromDbBool(r.impersonation),
    expiresAt: r.expires_at ? fromDbTime(r.expires_at) : null,
    expiresAtStored: r.expires_at,
    remainingUses: r.remaining_uses === null ? null : Number(r.remaining_uses),
    deletedAt: r.deleted_at ? fromDbTime(r.deleted_at) : null,
    redelegatedTrustId: r.redelegated_trust_id,
    redelegationCount: r.redelegation_count === null ? null : Number(r.redelegation_count),
    extra: fromDbJson(r.extra),
  };
}

/** A trust that exists and has not been deleted. */
export async function getTrust(db: IdentityDb, id: string): Promise<Trust | undefined> {
  const row = await db
    .selectFrom('identity_trust')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? trustFromRow(row) : undefined;
}

export async function trustRoleIds(db: IdentityDb, trustId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_trust_role')
    .select('role_id')
    .where('trust_id', '=', trustId)
    .execute();
  return rows.map((r) => r.role_id);
}

/**
 * Uses up one of a trust's limited uses. Returns false when none were left; the conditional
 * update makes two concurrent uses of the last one impossible.
 */
export async function consumeTrustUse(db: IdentityDb, trustId: string): Promise<boolean> {
  const result = await db
    .updateTable('identity_trust')
    .set((eb) => ({ remaining_uses: eb('remaining_uses', '-', 1) }))
    .where('id', '=', trustId)
    .where('remaining_uses', '>', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface NewTrust {
  readonly id: string;
  readonly trustorUserId: string;
  readonly trusteeUserId: string;
  readonly projectId: string | null;
  readonly impersonation: boolean;
  /** Stored-format time (see core/db toDbTime), microseconds kept. */
  readonly expiresAtStored: string | null;
  readonly remainingUses: number | null;
  readonly redelegatedTrustId: string | null;
  readonly redelegationCount: number;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly roleIds: readonly string[];
}

export async function insertTrust(db: IdentityDb, t: NewTrust): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const tx = trx as unknown as IdentityDb;
    await tx
      .insertInto('identity_trust')
      .values({
        id: t.id,
        trustor_user_id: t.trustorUserId,
        trustee_user_id: t.trusteeUserId,
        project_id: t.projectId,
        impersonation: toDbBool(t.impersonation),
        expires_at: t.expiresAtStored,
        remaining_uses: t.remainingUses,
        deleted_at: null,
        redelegated_trust_id: t.redelegatedTrustId,
        redelegation_count: t.redelegationCount,
        extra: toDbJson(t.extra),
      })
      .execute();
    for (const roleId of new Set(t.roleIds)) {
      await tx
        .insertInto('identity_trust_role')
        .values({ trust_id: t.id, role_id: roleId })
        .execute();
    }
  });
}

export interface TrustFilters {
  readonly trustorUserId?: string | undefined;
  readonly trusteeUserId?: string | undefined;
  readonly redelegatedTrustId?: string | undefined;
}

/** Trusts that have not been deleted, matching every filter given. */
export async function listTrusts(db: IdentityDb, filters: TrustFilters = {}): Promise<Trust[]> {
  let q = db.selectFrom('identity_trust').selectAll().where('deleted_at', 'is', null);
  if (filters.trustorUserId !== undefined)
    q = q.where('trustor_user_id', '=', filters.trustorUserId);
  if (filters.trusteeUserId !== undefined)
    q = q.where('trustee_user_id', '=', filters.trusteeUserId);
  if (filters.redelegatedTrustId !== undefined)
    q = q.where('redelegated_trust_id', '=', filters.redelegatedTrustId);
  const rows = await q.orderBy('id').execute();
  return rows.map(trustFromRow);
}

/** A live trust with the same trustor, trustee, project, impersonation and expiry, if any. */
export async function findDuplicateTrust(
  db: IdentityDb,
  t: Pick<
    NewTrust,
    'trustorUserId' | 'trusteeUserId' | 'projectId' | 'impersonation' | 'expiresAtStored'
  >,
): Promise<Trust | undefined> {
  let q = db
    .selectFrom('identity_trust')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('trustor_user_id', '=', t.trustorUserId)
    .where('trustee_user_id', '=', t.trusteeUserId)
    .where('impersonation', '=', toDbBool(t.impersonation));
  q =
    t.projectId === null
      ? q.where('project_id', 'is', null)
      : q.where('project_id', '=', t.projectId);
  q =
    t.expiresAtStored === null
      ? q.where('expires_at', 'is', null)
      : q.where('expires_at', '=', t.expiresAtStored);
  const row = await q.executeTakeFirst();
  return row ? trustFromRow(row) : undefined;
}

/**
 * The trust and the trusts it was redelegated from, nearest first, ending with the
 * original trust (whose trustor holds the roles). Deleted links end the chain.
 */
export async function trustChain(db: IdentityDb, trust: Trust): Promise<Trust[]> {
  const chain = [trust];
  const seen = new Set([trust.id]);
  let next = trust.redelegatedTrustId;
  while (next && !seen.has(next)) {
    seen.add(next);
    const parent = await getTrust(db, next);
    if (!parent) break;
    chain.push(parent);
    next = parent.redelegatedTrustId;
  }
  return chain;
}

/**
 * Soft-deletes a trust and, recursively, every trust redelegated from it (Keystone keeps
 * the rows with deleted_at set). Returns the ids deleted, so their tokens can be revoked.
 */
export async function softDeleteTrust(db: IdentityDb, id: string, at: Date): Promise<string[]> {
  const deleted: string[] = [];
  const pending = [id];
  while (pending.length) {
    const current = pending.pop()!;
    const result = await db
      .updateTable('identity_trust')
      .set({ deleted_at: toDbTime(at) })
      .where('id', '=', current)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) continue;
    deleted.push(current);
    const children = await db
      .selectFrom('identity_trust')
      .select('id')
      .where('redelegated_trust_id', '=', current)
      .where('deleted_at', 'is', null)
      .execute();
    pending.push(...children.map((c) => c.id));
  }
  return deleted;
}

/** Soft-deletes the live trusts that `match` selects, with those redelegated from them. */
async function softDeleteLiveTrusts(
  db: IdentityDb,
  at: Date,
  match: (eb: ExpressionBuilder<IdentityTables, 'identity_trust'>) => Expression<SqlBool>,
): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_trust')
    .select('id')
    .where('deleted_at', 'is', null)
    .where(match)
    .execute();
  const deleted: string[] = [];
  for (const r of rows) deleted.push(...(await softDeleteTrust(db, r.id, at)));
  return deleted;
}

/**
 * Soft-deletes every live trust a user is trustor or trustee of (Keystone does this when
 * the user is deleted), with the trusts redelegated from them. Returns the ids deleted.
 */
export function softDeleteTrustsOfUser(
  db: IdentityDb,
  userId: string,
  at: Date,
): Promise<string[]> {
  return softDeleteLiveTrusts(db, at, (eb) =>
    eb.or([eb('trustor_user_id', '=', userId), eb('trustee_user_id', '=', userId)]),
  );
}

/** Soft-deletes every live trust on a project (Keystone does this when the project is deleted). */
export function softDeleteTrustsOnProject(
  db: IdentityDb,
  projectId: string,
  at: Date,
): Promise<string[]> {
  return softDeleteLiveTrusts(db, at, (eb) => eb('project_id', '=', projectId));
}
