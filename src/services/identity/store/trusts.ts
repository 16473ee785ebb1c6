import { fromDbBool, fromDbJson, fromDbTime } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { TrustTable } from './tables.ts';

export interface Trust {
  readonly id: string;
  readonly trustorUserId: string;
  readonly trusteeUserId: string;
  readonly projectId: string | null;
  readonly impersonation: boolean;
  readonly expiresAt: Date | null;
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
  const rows = await db.selectFrom('identity_trust_role').select('role_id').where('trust_id', '=', trustId).execute();
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
