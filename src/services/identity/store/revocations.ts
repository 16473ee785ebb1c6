import { fromDbTime, toDbTime } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';

/**
 * A revocation event: tokens issued at or before `issuedBefore` whose attributes match
 * every field that is set are no longer valid.
 */
export interface RevocationEvent {
  readonly id: number;
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly domainId: string | null;
  readonly roleId: string | null;
  readonly trustId: string | null;
  readonly consumerId: string | null;
  readonly accessTokenId: string | null;
  readonly auditId: string | null;
  readonly auditChainId: string | null;
  readonly issuedBefore: Date;
  readonly revokedAt: Date;
}

export type NewRevocationEvent = Partial<Omit<RevocationEvent, 'id' | 'issuedBefore' | 'revokedAt'>> & {
  issuedBefore: Date;
  expiresAt?: Date | null;
};

export async function insertRevocation(db: IdentityDb, e: NewRevocationEvent, now: Date): Promise<void> {
  await db
    .insertInto('identity_revocation_event')
    .values({
      user_id: e.userId ?? null,
      project_id: e.projectId ?? null,
      domain_id: e.domainId ?? null,
      role_id: e.roleId ?? null,
      trust_id: e.trustId ?? null,
      consumer_id: e.consumerId ?? null,
      access_token_id: e.accessTokenId ?? null,
      audit_id: e.auditId ?? null,
      audit_chain_id: e.auditChainId ?? null,
      issued_before: toDbTime(e.issuedBefore),
      expires_at: e.expiresAt ? toDbTime(e.expiresAt) : null,
      revoked_at: toDbTime(now),
    })
    .execute();
}

/** Events with an id above `afterId`, oldest first. */
export async function revocationsAfter(db: IdentityDb, afterId: number): Promise<RevocationEvent[]> {
  const rows = await db
    .selectFrom('identity_revocation_event')
    .selectAll()
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    userId: r.user_id,
    projectId: r.project_id,
    domainId: r.domain_id,
    roleId: r.role_id,
    trustId: r.trust_id,
    consumerId: r.consumer_id,
    accessTokenId: r.access_token_id,
    auditId: r.audit_id,
    auditChainId: r.audit_chain_id,
    issuedBefore: fromDbTime(r.issued_before),
    revokedAt: fromDbTime(r.revoked_at),
  }));
}

/** Drops events older than any token that could still be valid. */
export async function pruneRevocations(db: IdentityDb, revokedBefore: Date): Promise<void> {
  await db.deleteFrom('identity_revocation_event').where('revoked_at', '<', toDbTime(revokedBefore)).execute();
}
