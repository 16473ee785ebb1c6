import type { IdentityDb } from '../store/db.ts';
import {
  insertRevocation,
  pruneRevocations,
  revocationsAfter,
  type NewRevocationEvent,
  type RevocationEvent,
} from '../store/revocations.ts';

/** The attributes of a token that revocation events are matched against. */
export interface RevocableToken {
  readonly issuedAt: Date;
  readonly userIds: readonly string[];
  readonly projectId: string | undefined;
  readonly domainIds: readonly string[];
  readonly trustId: string | undefined;
  readonly auditId: string | undefined;
  readonly auditChainId: string | undefined;
  readonly accessTokenId: string | undefined;
  readonly roleIds: readonly string[];
}

function matches(e: RevocationEvent, t: RevocableToken): boolean {
  if (t.issuedAt.getTime() > e.issuedBefore.getTime()) return false;
  if (e.userId !== null && !t.userIds.includes(e.userId)) return false;
  if (e.projectId !== null && e.projectId !== t.projectId) return false;
  if (e.domainId !== null && !t.domainIds.includes(e.domainId)) return false;
  if (e.trustId !== null && e.trustId !== t.trustId) return false;
  if (e.auditId !== null && e.auditId !== t.auditId) return false;
  if (e.auditChainId !== null && e.auditChainId !== t.auditChainId) return false;
  if (e.accessTokenId !== null && e.accessTokenId !== t.accessTokenId) return false;
  if (e.roleId !== null && !t.roleIds.includes(e.roleId)) return false;
  return true;
}

/**
 * Revocation events held in memory so validating a token costs no database read. Events
 * written by this process apply at once; events from other replicas are read every
 * `pollMs`. Events revoking one token (by audit id) are indexed, since they are the bulk.
 */
export class RevocationList {
  private byAuditId = new Map<string, RevocationEvent[]>();
  private others: RevocationEvent[] = [];
  private lastId = 0;
  private lastSync = 0;
  private syncing: Promise<void> | undefined;
  /** Changes whenever an event is added, so caches know to re-check. */
  version = 0;

  constructor(
    private readonly db: IdentityDb,
    private readonly opts: { pollMs: number; retentionMs: number; now?: () => number },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private add(e: RevocationEvent): void {
    if (e.auditId !== null) {
      const list = this.byAuditId.get(e.auditId) ?? [];
      list.push(e);
      this.byAuditId.set(e.auditId, list);
    } else {
      this.others.push(e);
    }
    this.lastId = Math.max(this.lastId, e.id);
    this.version++;
  }

  /** Reads events newer than the last one seen; at most one read runs at a time. */
  async sync(force = false): Promise<void> {
    if (!force && this.now() - this.lastSync < this.opts.pollMs) return;
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      try {
        const events = await revocationsAfter(this.db, this.lastId);
        for (const e of events) this.add(e);
        this.lastSync = this.now();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  async revoke(event: NewRevocationEvent): Promise<void> {
    await insertRevocation(this.db, event, new Date(this.now()));
    await this.sync(true);
  }

  isRevoked(t: RevocableToken): boolean {
    if (t.auditId !== undefined) {
      for (const e of this.byAuditId.get(t.auditId) ?? []) if (matches(e, t)) return true;
    }
    for (const e of this.others) if (matches(e, t)) return true;
    return false;
  }

  /** Forgets events older than any token that could still validate, in memory and in the store. */
  async prune(): Promise<void> {
    const cutoff = this.now() - this.opts.retentionMs;
    await pruneRevocations(this.db, new Date(cutoff));
    const keep = (e: RevocationEvent) => e.revokedAt.getTime() >= cutoff;
    this.others = this.others.filter(keep);
    for (const [k, list] of this.byAuditId) {
      const kept = list.filter(keep);
      if (kept.length) this.byAuditId.set(k, kept);
      else this.byAuditId.delete(k);
    }
  }
}
