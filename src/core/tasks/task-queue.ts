/**
 * A service's queue of long operations (see index.ts for the contract and an example).
 * One TaskQueue per service per process; every replica runs one over the same table and
 * the lease columns decide which of them runs a task.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, UntypedTables } from '../db/index.ts';
import { silentLogger, type Logger, type ProcessMetrics } from '../observability/index.ts';
import { checkRetryPolicy, DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import { LeaseLostError, QueueStoppingError } from './errors.ts';
import { taskMetrics, type TaskMetrics } from './metrics.ts';
import { newOwnerId } from './owner.ts';
import { checkServiceName, taskTable, type TaskDb, type TaskRow } from './tables.ts';
import type { EnqueueRequest, TaskFilter, TaskHandler, TaskKinds } from './task-handler.ts';
import { rowToTask, type Task } from './task-record.ts';
import {
  checkName,
  lossReason,
  runClaimedTask,
  type Registered,
  type RunEnv,
  type Running,
} from './task-run.ts';
import { TaskStore } from './task-store.ts';

export interface TaskQueueOptions<DB> {
  readonly db: Database<DB>;
  /** Table prefix, as given to createTaskTables: `block_storage`. */
  readonly service: string;
  /** Tasks this queue runs at once. Default 4. */
  readonly concurrency?: number;
  /** How often it looks for due tasks besides wake(). Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How long a claimed task stays this worker's without renewal. The queue renews every
   * third of it; a task whose worker died is resumed elsewhere once it lapses. Replicas'
   * clocks must agree to well within it. Default 30 s.
   */
  readonly leaseTtlMs?: number;
  /** Default retry policy; a handler may override it. */
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  readonly metrics?: ProcessMetrics;
}

const DEFAULTS = { concurrency: 4, pollIntervalMs: 1_000, leaseTtlMs: 30_000 } as const;

export class TaskQueue<
  Kinds extends TaskKinds<Kinds> = Record<string, object>,
  DB = UntypedTables,
> {
  /** This queue's name in lease columns. */
  readonly owner: string;
  private readonly db: Database<DB>;
  private readonly service: string;
  private readonly store: TaskStore;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly leaseTtlMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;
  private readonly metrics: TaskMetrics | undefined;
  private readonly env: RunEnv;
  private readonly handlers = new Map<string, Registered>();
  private readonly running = new Map<string, Running>();
  private readonly inflight = new Set<Promise<void>>();
  private status: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  private claiming: Promise<void> | undefined;
  private wakeAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor(options: TaskQueueOptions<DB>) {
    checkServiceName(options.service);
    this.db = options.db;
    this.service = options.service;
    this.owner = newOwnerId();
    this.concurrency = positive('concurrency', options.concurrency ?? DEFAULTS.concurrency);
    this.pollIntervalMs = positive(
      'pollIntervalMs',
      options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    );
    this.leaseTtlMs = positive('leaseTtlMs', options.leaseTtlMs ?? DEFAULTS.leaseTtlMs);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    checkRetryPolicy(this.retry);
    this.logger = (options.logger ?? silentLogger()).child({ taskQueue: options.service });
    this.metrics = taskMetrics(options.metrics);
    this.store = new TaskStore(
      options.db.kysely as unknown as TaskDb,
      options.db.caps,
      taskTable(options.service),
      this.owner,
    );
    this.env = {
      store: this.store,
      service: this.service,
      leaseTtlMs: this.leaseTtlMs,
      logger: this.logger,
      metrics: this.metrics,
    };
  }

  /** Registers the handler of a kind; this queue claims only kinds it has handlers for. */
  register<K extends keyof Kinds & string>(kind: K, handler: TaskHandler<Kinds[K], DB>): this {
    checkName('kind', kind);
    if (this.handlers.has(kind)) throw new Error(`task kind ${kind} already has a handler`);
    const retry = { ...this.retry, ...handler.retry };
    checkRetryPolicy(retry);
    this.handlers.set(kind, { handler: handler as unknown as TaskHandler<object, unknown>, retry });
    return this;
  }

  /**
   * Records a task through `db`, which may be the caller's transaction: the task then
   * exists only if that transaction commits. Returns the task id. Any replica whose queue
   * handles the kind runs it; call wake() after committing to start it here at once.
   */
  async enqueue<K extends keyof Kinds & string>(
    db: Kysely<DB>,
    request: EnqueueRequest<K, Kinds[K]>,
  ): Promise<string> {
    checkName('kind', request.kind);
    checkName('resourceId', request.resourceId);
    if (
      typeof request.payload !== 'object' ||
      request.payload === null ||
      Array.isArray(request.payload)
    ) {
      throw new TypeError('task payload must be a JSON object');
    }
    const id = randomUUID();
    await this.store.insert(db as unknown as TaskDb, {
      id,
      kind: request.kind,
      resourceId: request.resourceId,
      payload: request.payload,
      notBefore: request.runAfter ?? new Date(),
    });
    this.logger.debug(
      { task: id, kind: request.kind, resource: request.resourceId, state: 'queued' },
      'task enqueued',
    );
    this.metrics?.transitions.inc({ service: this.service, kind: request.kind, state: 'queued' });
    if (!db.isTransaction) this.wake();
    return id;
  }

  /**
   * Starts claiming: at once (which resumes tasks whose worker died, once their lease has
   * lapsed), on every poll interval, and on wake().
   */
  start(): void {
    if (this.status !== 'new') throw new Error(`task queue ${this.service} was already started`);
    this.status = 'started';
    this.pollTimer = setInterval(() => this.wake(), this.pollIntervalMs).unref();
    this.renewTimer = setInterval(() => void this.renewLeases(), this.leaseTtlMs / 3).unref();
    this.wake();
  }

  /** Looks for due tasks now instead of at the next poll. */
  wake(): void {
    if (this.status !== 'started') return;
    if (this.claiming !== undefined) {
      this.wakeAgain = true;
      return;
    }
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    this.claiming = this.claimAndStart(free).finally(() => {
      this.claiming = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  async get(
    id: string,
    db: Kysely<DB> = this.db.kysely,
  ): Promise<Task<Kinds[keyof Kinds]> | undefined> {
    const row = await this.store.get(db as unknown as TaskDb, id);
    return row === undefined ? undefined : rowToTask(row);
  }

  /** Tasks, oldest first. */
  async list(
    filter: TaskFilter = {},
    db: Kysely<DB> = this.db.kysely,
  ): Promise<Task<Kinds[keyof Kinds]>[]> {
    const rows = await this.store.list(db as unknown as TaskDb, filter);
    return rows.map((row) => rowToTask(row));
  }

  /**
   * Cancels the task, or every unfinished task of a resource; `db` may be the caller's
   * transaction. A running handler has its signal aborted within a third of the lease TTL
   * and nothing it does afterwards is recorded; onFailed is not called. Returns how many
   * tasks were cancelled.
   */
  async cancel(db: Kysely<DB>, target: { id: string } | { resourceId: string }): Promise<number> {
    const count = await this.store.cancel(db as unknown as TaskDb, target);
    if (count > 0) {
      this.logger.info({ ...target, state: 'cancelled', count }, 'task cancelled');
      if (!db.isTransaction) void this.renewLeases();
    }
    return count;
  }

  /** Deletes finished tasks last changed before `finishedBefore`; returns how many. */
  purge(finishedBefore: Date): Promise<number> {
    return this.store.purge(finishedBefore);
  }

  /** Resolves when this queue runs nothing and is not claiming. */
  async idle(): Promise<void> {
    while (this.claiming !== undefined || this.inflight.size > 0) {
      await Promise.allSettled([this.claiming, ...this.inflight]);
    }
  }

  /**
   * Resolves when no task of this queue's kinds is queued or running anywhere (other
   * replicas included, future retries included); for tests. Rejects after `timeoutMs`.
   */
  async drain(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.status !== 'started') throw new Error('drain() needs a started queue');
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      this.wake();
      await this.idle();
      const unfinished = await this.store.countUnfinished([...this.handlers.keys()]);
      if (unfinished === 0 && this.inflight.size === 0 && this.claiming === undefined) return;
      if (Date.now() > deadline) {
        throw new Error(`drain: ${unfinished} task(s) of ${this.service} still unfinished`);
      }
      await sleep(Math.min(this.pollIntervalMs, 20));
    }
  }

  /**
   * Stops claiming, aborts running handlers' signals and waits up to `timeoutMs` (default
   * 10 s) for them. A handler that ends by throwing hands its task back (queued again,
   * resumed from its step, the attempt not counted); one still running at the timeout has
   * its task handed back anyway and nothing it does later is recorded.
   */
  stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.stopped ??= this.shutdown(opts.timeoutMs ?? 10_000);
    return this.stopped;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const wasStarted = this.status === 'started';
    this.status = 'stopping';
    clearInterval(this.pollTimer);
    if (wasStarted) {
      await this.claiming;
      for (const entry of this.running.values()) {
        entry.controller.abort(new QueueStoppingError(`task queue ${this.service} is stopping`));
      }
      const finished = await settleWithin([...this.inflight], timeoutMs);
      if (!finished) {
        for (const entry of this.running.values()) {
          entry.abandoned = true;
          await this.store
            .release(entry.claim)
            .catch((err: unknown) =>
              this.logger.error({ task: entry.claim.id, err }, 'could not hand task back'),
            );
          this.logger.warn(
            { task: entry.claim.id, state: 'queued' },
            'task handed back: handler did not stop in time',
          );
        }
      }
    }
    clearInterval(this.renewTimer);
    this.status = 'stopped';
  }

  private async claimAndStart(free: number): Promise<void> {
    let rows: TaskRow[];
    try {
      rows = await this.store.claim([...this.handlers.keys()], free, this.leaseTtlMs);
    } catch (err) {
      this.logger.warn({ err }, 'claiming tasks failed; trying again at the next poll');
      return;
    }
    for (const row of rows) {
      const entry: Running = {
        claim: { id: row.id, attempts: Number(row.attempts) },
        controller: new AbortController(),
        leaseUntil: Date.now() + this.leaseTtlMs,
        abandoned: false,
      };
      this.running.set(row.id, entry);
      const run = runClaimedTask(this.env, this.handlers.get(row.kind)!, row, entry).finally(() => {
        this.running.delete(row.id);
        this.inflight.delete(run);
        this.wake();
      });
      this.inflight.add(run);
    }
  }

  /** Renews every running task's lease; a task that is no longer ours has its handler stopped. */
  private async renewLeases(): Promise<void> {
    for (const entry of [...this.running.values()]) {
      if (entry.abandoned || entry.controller.signal.aborted) continue;
      try {
        if (await this.store.renew(entry.claim, this.leaseTtlMs)) {
          entry.leaseUntil = Date.now() + this.leaseTtlMs;
        } else {
          entry.controller.abort(await lossReason(this.store, entry.claim.id));
        }
      } catch (err) {
        this.logger.warn({ task: entry.claim.id, err }, 'could not renew task lease');
        if (Date.now() >= entry.leaseUntil) {
          entry.controller.abort(new LeaseLostError('the lease lapsed: it could not be renewed'));
        }
      }
    }
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for the promises to settle, or `ms`; true when they all settled. */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
