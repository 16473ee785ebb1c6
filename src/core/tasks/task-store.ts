/**
 * The queries behind TaskQueue. Every write a worker makes to a task it runs is fenced: it
 * names the task's id, `state = 'running'`, its own owner id and the attempt number it
 * claimed. A worker whose lease expired and was taken over (or whose task was cancelled)
 * changes nothing; the queue sees zero rows updated and stops the handler.
 */
import type { ExpressionBuilder, Kysely, Transaction, UpdateObject } from 'kysely';
import type { DatabaseCaps } from '../db/index.ts';
import { toDbJson, toDbTime } from '../db/index.ts';
import type { TaskFailure } from './errors.ts';
import type { TaskDb, TaskRow } from './tables.ts';

type Eb = ExpressionBuilder<Record<string, TaskRow>, string>;

/** What a worker holds while it runs a task: the row's id and the attempt it claimed. */
export interface Claim {
  readonly id: string;
  readonly attempts: number;
}

export interface NewTask {
  readonly id: string;
  readonly kind: string;
  readonly resourceId: string;
  readonly payload: object;
  readonly notBefore: Date;
}

const dbTimeIn = (ms: number): string => toDbTime(new Date(Date.now() + ms));

export class TaskStore {
  constructor(
    private readonly db: TaskDb,
    private readonly caps: DatabaseCaps,
    readonly table: string,
    readonly owner: string,
  ) {}

  /** Inserts through the caller's handle, which may be its open transaction. */
  async insert(db: TaskDb, task: NewTask): Promise<void> {
    const now = toDbTime(new Date());
    await db
      .insertInto(this.table)
      .values({
        id: task.id,
        kind: task.kind,
        resource_id: task.resourceId,
        state: 'queued',
        payload: toDbJson(task.payload),
        step: null,
        attempts: 0,
        last_error: null,
        not_before: toDbTime(task.notBefore),
        lease_owner: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  /**
   * Takes up to `limit` due tasks of the given kinds: queued ones whose time has come, and
   * running ones whose lease expired (their worker died). Each claim counts an attempt.
   */
  async claim(kinds: readonly string[], limit: number, leaseTtlMs: number): Promise<TaskRow[]> {
    if (kinds.length === 0 || limit < 1) return [];
    const now = toDbTime(new Date());
    const due = (eb: Eb) =>
      eb.and([
        eb('kind', 'in', kinds),
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('not_before', '<=', now)]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)]),
        ]),
      ]);
    const taken = {
      state: 'running',
      lease_owner: this.owner,
      lease_until: dbTimeIn(leaseTtlMs),
      attempts: (eb: Eb) => eb('attempts', '+', 1),
      updated_at: now,
    };
    const candidates = (db: TaskDb) =>
      db
        .selectFrom(this.table)
        .select('id')
        .where(due)
        .orderBy('not_before')
        .orderBy('id')
        .limit(limit)
        .$if(this.caps.rowLocks, (q) => q.forUpdate().skipLocked());

    if (this.caps.returning) {
      // One statement: atomic on SQLite (one writer at a time) and, with SKIP LOCKED, two
      // PostgreSQL workers each take different rows. `due` is checked again on the rows
      // themselves after their locks are taken.
      return this.db
        .updateTable(this.table)
        .set(taken)
        .where('id', 'in', candidates(this.db))
        .where(due)
        .returningAll()
        .execute();
    }
    // MariaDB: no RETURNING, and no LIMIT in an IN subquery; lock, update, read back.
    return this.db.transaction().execute(async (trx) => {
      const ids = (await candidates(trx).execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      await trx.updateTable(this.table).set(taken).where('id', 'in', ids).where(due).execute();
      return trx
        .selectFrom(this.table)
        .selectAll()
        .where('id', 'in', ids)
        .where('lease_owner', '=', this.owner)
        .where('state', '=', 'running')
        .execute();
    });
  }

  /** Extends the lease; false when the task is no longer this worker's. */
  async renew(claim: Claim, leaseTtlMs: number): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, { lease_until: dbTimeIn(leaseTtlMs) });
  }

  async setStep(claim: Claim, step: string, payload: object): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, {
      step,
      payload: toDbJson(payload),
      updated_at: toDbTime(new Date()),
    });
  }

  async succeed(claim: Claim): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, {
      state: 'succeeded',
      ...released(),
    });
  }

  /** Queues the task again at `notBefore`, keeping its step and payload. */
  async retryLater(claim: Claim, failure: TaskFailure, notBefore: Date): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, {
      state: 'queued',
      not_before: toDbTime(notBefore),
      last_error: errorJson(failure),
      ...released(),
    });
  }

  /**
   * Marks the task failed and runs `then` in the same transaction, so the service's own
   * resource moves to its error state together with the task or not at all.
   */
  async fail<DB>(
    claim: Claim,
    failure: TaskFailure,
    then: (trx: Transaction<DB>) => Promise<void>,
  ): Promise<boolean> {
    return (this.db as unknown as Kysely<DB>).transaction().execute(async (trx) => {
      const updated = await this.fencedUpdate(trx as unknown as TaskDb, claim, {
        state: 'failed',
        last_error: errorJson(failure),
        ...released(),
      });
      if (updated) await then(trx);
      return updated;
    });
  }

  /**
   * Keeps the failure on a task that stays claimed because its failure could not be
   * recorded, with its attempts spent: the next claim records the failure instead of
   * running the handler again.
   */
  async noteFinalError(claim: Claim, failure: TaskFailure, maxAttempts: number): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, {
      last_error: errorJson(failure),
      attempts: Math.max(maxAttempts, claim.attempts),
    });
  }

  /** Hands the task back (queue stopping): due at once, this attempt not counted. */
  async release(claim: Claim): Promise<boolean> {
    return this.fencedUpdate(this.db, claim, {
      state: 'queued',
      not_before: toDbTime(new Date()),
      attempts: (eb: Eb) => eb('attempts', '-', 1),
      ...released(),
    });
  }

  async cancel(db: TaskDb, target: { id: string } | { resourceId: string }): Promise<number> {
    const result = await db
      .updateTable(this.table)
      .set({ state: 'cancelled', ...released() })
      .where(
        'id' in target ? 'id' : 'resource_id',
        '=',
        'id' in target ? target.id : target.resourceId,
      )
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async get(db: TaskDb, id: string): Promise<TaskRow | undefined> {
    return db.selectFrom(this.table).selectAll().where('id', '=', id).executeTakeFirst();
  }

  async stateOf(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom(this.table)
      .select('state')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.state;
  }

  async list(
    db: TaskDb,
    filter: { resourceId?: string | undefined; states?: readonly string[] | undefined },
  ): Promise<TaskRow[]> {
    return db
      .selectFrom(this.table)
      .selectAll()
      .$if(filter.resourceId !== undefined, (q) => q.where('resource_id', '=', filter.resourceId!))
      .$if(filter.states !== undefined, (q) => q.where('state', 'in', filter.states!))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Tasks of these kinds not finished yet, wherever they run or whenever they are due. */
  async countUnfinished(kinds: readonly string[]): Promise<number> {
    if (kinds.length === 0) return 0;
    const row = await this.db
      .selectFrom(this.table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', 'in', kinds)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async purge(finishedBefore: Date): Promise<number> {
    const result = await this.db
      .deleteFrom(this.table)
      .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('updated_at', '<', toDbTime(finishedBefore))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async fencedUpdate(
    db: TaskDb,
    claim: Claim,
    values: UpdateObject<Record<string, TaskRow>, string>,
  ): Promise<boolean> {
    const result = await db
      .updateTable(this.table)
      .set(values)
      .where('id', '=', claim.id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', this.owner)
      .where('attempts', '=', claim.attempts)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function released(): { lease_owner: null; lease_until: null; updated_at: string } {
  return { lease_owner: null, lease_until: null, updated_at: toDbTime(new Date()) };
}

function errorJson(failure: TaskFailure): string {
  return toDbJson({ code: failure.code, message: failure.message });
}
