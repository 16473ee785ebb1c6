import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTable, dbTypes, openDatabase, type Database } from '../db/index.ts';
import { describeEachDialect } from '../db/testing.ts';
import { createLogger, createProcessMetrics } from '../observability/index.ts';
import { TaskCancelledError, TaskError, type TaskFailure } from './errors.ts';
import { createTaskTables } from './tables.ts';
import { TaskQueue, type TaskQueueOptions } from './task-queue.ts';
import { aborted, gate, waitFor } from './testing.ts';

interface Kinds {
  'thing.create': { size: number; copied?: number };
  'thing.slow': { note?: string };
}

type Tables = Record<string, { id: string; status: string; reason: string | null }>;

let services = 0;
const queues: TaskQueue<Kinds, Tables>[] = [];

/** Fresh task tables, and a `<service>_thing` table standing for the service's resources. */
async function freshService(db: Database<Tables>): Promise<string> {
  const service = `tq${++services}_${Math.random().toString(16).slice(2, 8)}`;
  await createTaskTables(db.kysely, service);
  await createTable(db.kysely, `${service}_thing`)
    .addColumn('id', dbTypes.id, (c) => c.primaryKey())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  return service;
}

function newQueue(
  db: Database<Tables>,
  service: string,
  opts: Partial<TaskQueueOptions<Tables>> = {},
): TaskQueue<Kinds, Tables> {
  const queue = new TaskQueue<Kinds, Tables>({
    db,
    service,
    pollIntervalMs: 20,
    leaseTtlMs: 3_000,
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    ...opts,
  });
  queues.push(queue);
  return queue;
}

async function addThing(db: Kysely<Tables>, service: string, id: string): Promise<void> {
  await db
    .insertInto(`${service}_thing`)
    .values({ id, status: 'creating', reason: null })
    .execute();
}

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop({ timeoutMs: 200 })));
});

describeEachDialect('TaskQueue', (suite) => {
  let db: Database<Tables>;
  beforeAll(async () => {
    db = await suite.open<Tables>();
  });

  it('enqueues inside the caller transaction: a rolled-back one leaves no task', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service);
    const ran: string[] = [];
    queue.register('thing.create', {
      async run({ task }) {
        ran.push(`${task.resourceId}:${task.payload.size}`);
      },
    });
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await addThing(trx, service, 'rolled-back');
        await queue.enqueue(trx, {
          kind: 'thing.create',
          resourceId: 'rolled-back',
          payload: { size: 1 },
        });
        throw new Error('the API request failed after enqueueing');
      }),
    ).rejects.toThrow('the API request failed');
    const id = await db.kysely.transaction().execute(async (trx) => {
      await addThing(trx, service, 'committed');
      return queue.enqueue(trx, {
        kind: 'thing.create',
        resourceId: 'committed',
        payload: { size: 2 },
      });
    });
    queue.start();
    await queue.drain();
    expect(ran).toEqual(['committed:2']);
    const tasks = await queue.list();
    expect(tasks.map((t) => [t.id, t.resourceId, t.state, t.attempts])).toEqual([
      [id, 'committed', 'succeeded', 1],
    ]);
    expect(tasks[0]?.leaseOwner).toBeNull();
  });

  it('never runs a task twice when two queues share the database', async () => {
    const service = await freshService(db);
    const [dbA, dbB] = await Promise.all([suite.open<Tables>(), suite.open<Tables>()]);
    const runs = new Map<string, string[]>();
    const handlerFor = (name: string) => ({
      async run({
        task,
        setStep,
      }: {
        task: { id: string };
        setStep: (s: string) => Promise<void>;
      }) {
        runs.set(task.id, [...(runs.get(task.id) ?? []), name]);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        await setStep('done');
      },
    });
    const a = newQueue(dbA!, service, { concurrency: 3 }).register('thing.create', handlerFor('a'));
    const b = newQueue(dbB!, service, { concurrency: 3 }).register('thing.create', handlerFor('b'));
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      ids.push(
        await a.enqueue(db.kysely, {
          kind: 'thing.create',
          resourceId: `r${i}`,
          payload: { size: i },
        }),
      );
    }
    a.start();
    b.start();
    await Promise.all([a.drain(), b.drain()]);
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    for (const [id, by] of runs) expect(by, `task ${id}`).toHaveLength(1);
    const tasks = await a.list();
    expect(
      tasks.every((t) => t.state === 'succeeded' && t.attempts === 1 && t.step === 'done'),
    ).toBe(true);
  });

  it('resumes a task from its persisted step once the lease of a dead worker lapses', async () => {
    const service = await freshService(db);
    const [dbA, dbB] = await Promise.all([suite.open<Tables>(), suite.open<Tables>()]);
    const steps: string[] = [];
    const reachedFirst = gate();
    const never = gate();
    const a = newQueue(dbA!, service, { leaseTtlMs: 300 });
    a.register('thing.create', {
      async run({ task, setStep }) {
        steps.push(`a:first:${task.attempts}`);
        await setStep('first', { copied: 7 });
        reachedFirst.open();
        await never.promise; // the process "dies" here: it never finishes nor renews
      },
    });
    const id = await a.enqueue(db.kysely, {
      kind: 'thing.create',
      resourceId: 'r',
      payload: { size: 3 },
    });
    a.start();
    await reachedFirst.promise;
    // The crash: this worker's database connection is gone, its lease stays in the table.
    await dbA!.close();
    const b = newQueue(dbB!, service);
    expect(await b.get(id)).toMatchObject({ state: 'running', step: 'first', leaseOwner: a.owner });

    b.register('thing.create', {
      async run({ task, setStep }) {
        if (task.step === null) {
          steps.push('b:first');
          await setStep('first', { copied: 7 });
        }
        steps.push(`b:second:${task.attempts}:${task.payload.copied}`);
        await setStep('second');
      },
    });
    b.start();
    await b.drain();
    expect(steps).toEqual(['a:first:1', 'b:second:2:7']);
    const task = await b.get(id);
    expect(task).toMatchObject({ state: 'succeeded', step: 'second', attempts: 2 });
    expect(task?.payload).toEqual({ size: 3, copied: 7 });
    never.open();
  });

  it('retries retryable failures with backoff, then fails and calls onFailed once', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service, {
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 40 },
    });
    const runs: { attempt: number; notBefore: number; failedAt: number }[] = [];
    const failures: { resourceId: string; failure: TaskFailure }[] = [];
    queue.register('thing.create', {
      async run({ task }) {
        runs.push({
          attempt: task.attempts,
          notBefore: task.notBefore.getTime(),
          failedAt: Date.now(),
        });
        throw new TaskError('backend_busy', 'the backend is busy', { retryable: true });
      },
      async onFailed({ task, failure, trx }) {
        failures.push({ resourceId: task.resourceId, failure });
        await trx
          .updateTable(`${service}_thing`)
          .set({ status: 'error', reason: failure.message })
          .where('id', '=', task.resourceId)
          .execute();
      },
    });
    await addThing(db.kysely, service, 'r');
    const id = await queue.enqueue(db.kysely, {
      kind: 'thing.create',
      resourceId: 'r',
      payload: { size: 1 },
    });
    queue.start();
    await queue.drain();
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    for (let i = 1; i < runs.length; i++) {
      // Each retry was due only after the failure before it.
      expect(runs[i]!.notBefore).toBeGreaterThan(runs[i - 1]!.failedAt);
    }
    expect(failures).toEqual([
      {
        resourceId: 'r',
        failure: { code: 'backend_busy', message: 'the backend is busy', retryable: true },
      },
    ]);
    expect(await queue.get(id)).toMatchObject({
      state: 'failed',
      attempts: 3,
      lastError: { code: 'backend_busy', message: 'the backend is busy' },
      leaseOwner: null,
    });
    const thing = await db.kysely.selectFrom(`${service}_thing`).selectAll().executeTakeFirst();
    expect(thing).toEqual({ id: 'r', status: 'error', reason: 'the backend is busy' });
  });

  it('fails at once on an error that is not retryable', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service);
    let onFailedCalls = 0;
    queue.register('thing.create', {
      async run() {
        throw new Error('image is corrupt');
      },
      async onFailed() {
        onFailedCalls++;
      },
    });
    const id = await queue.enqueue(db.kysely, {
      kind: 'thing.create',
      resourceId: 'r',
      payload: { size: 1 },
    });
    queue.start();
    await queue.drain();
    expect(await queue.get(id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: { code: 'Error', message: 'image is corrupt' },
    });
    expect(onFailedCalls).toBe(1);
  });

  it('records a failure whose onFailed hook threw once its lease lapses, without running the task again', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service, { leaseTtlMs: 300 });
    let runs = 0;
    let hookCalls = 0;
    queue.register('thing.create', {
      async run() {
        runs++;
        throw new TaskError('bad_size', 'size too large');
      },
      async onFailed({ trx, task, failure }) {
        hookCalls++;
        await trx
          .updateTable(`${service}_thing`)
          .set({ status: 'error', reason: failure.message })
          .where('id', '=', task.resourceId)
          .execute();
        if (hookCalls === 1) throw new Error('hook failed');
      },
    });
    await addThing(db.kysely, service, 'r');
    const id = await queue.enqueue(db.kysely, {
      kind: 'thing.create',
      resourceId: 'r',
      payload: { size: 1 },
    });
    queue.start();
    await queue.drain();
    expect({ runs, hookCalls }).toEqual({ runs: 1, hookCalls: 2 });
    expect(await queue.get(id)).toMatchObject({
      state: 'failed',
      lastError: { code: 'bad_size', message: 'size too large' },
    });
    const thing = await db.kysely.selectFrom(`${service}_thing`).selectAll().executeTakeFirst();
    expect(thing).toMatchObject({ status: 'error', reason: 'size too large' });
  });

  it('stop() waits for handlers and hands their tasks back to be resumed', async () => {
    const service = await freshService(db);
    const first = newQueue(db, service);
    const started = gate();
    let cleanedUp = false;
    first.register('thing.slow', {
      async run({ setStep, signal }) {
        await setStep('prepared', { note: 'half' });
        started.open();
        await aborted(signal);
        await new Promise((resolve) => setTimeout(resolve, 30));
        cleanedUp = true;
        signal.throwIfAborted();
      },
    });
    const id = await first.enqueue(db.kysely, { kind: 'thing.slow', resourceId: 'r', payload: {} });
    first.start();
    await started.promise;
    await first.stop();
    expect(cleanedUp).toBe(true);
    expect(await first.get(id)).toMatchObject({
      state: 'queued',
      step: 'prepared',
      attempts: 0,
      leaseOwner: null,
      payload: { note: 'half' },
    });

    const second = newQueue(db, service);
    const seen: (string | null)[] = [];
    second.register('thing.slow', {
      async run({ task }) {
        seen.push(task.step);
      },
    });
    second.start();
    await second.drain();
    expect(seen).toEqual(['prepared']);
    expect(await second.get(id)).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  it('stop() gives up after its timeout, and a late handler records nothing', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service);
    const started = gate();
    const release = gate();
    queue.register('thing.slow', {
      async run() {
        started.open();
        await release.promise; // ignores its signal
      },
    });
    const id = await queue.enqueue(db.kysely, { kind: 'thing.slow', resourceId: 'r', payload: {} });
    queue.start();
    await started.promise;
    await queue.stop({ timeoutMs: 50 });
    expect(await queue.get(id)).toMatchObject({ state: 'queued', leaseOwner: null, attempts: 0 });
    release.open();
    await queue.idle();
    expect(await queue.get(id)).toMatchObject({ state: 'queued', leaseOwner: null });
  });

  it('fences a worker that lost its task: its writes fail and its result is not recorded', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service);
    const started = gate();
    const proceed = gate();
    const errors: unknown[] = [];
    queue.register('thing.slow', {
      async run({ setStep, heartbeat }) {
        started.open();
        await proceed.promise;
        await setStep('late').catch((err: unknown) => errors.push(err));
        await heartbeat().catch((err: unknown) => errors.push(err));
      },
    });
    const id = await queue.enqueue(db.kysely, { kind: 'thing.slow', resourceId: 'r', payload: {} });
    queue.start();
    await started.promise;
    // Another worker took it over (as after a lapsed lease).
    const raw = db.kysely as unknown as Kysely<Record<string, { id: string; lease_owner: string }>>;
    await raw
      .updateTable(`${service}_task`)
      .set({ lease_owner: 'other' })
      .where('id', '=', id)
      .execute();
    proceed.open();
    await queue.idle();
    expect(errors.map((e) => (e as Error).name)).toEqual(['LeaseLostError', 'LeaseLostError']);
    expect(await queue.get(id)).toMatchObject({
      state: 'running',
      leaseOwner: 'other',
      step: null,
    });
  });

  it('cancels queued tasks before they run and aborts running ones', async () => {
    const service = await freshService(db);
    const queue = newQueue(db, service, { leaseTtlMs: 600 });
    const started = gate();
    const reasons: unknown[] = [];
    const ran: string[] = [];
    let onFailedCalls = 0;
    queue.register('thing.slow', {
      async run({ task, signal }) {
        ran.push(task.resourceId);
        started.open();
        await aborted(signal);
        reasons.push(signal.reason);
        throw signal.reason;
      },
      async onFailed() {
        onFailedCalls++;
      },
    });
    const later = await queue.enqueue(db.kysely, {
      kind: 'thing.slow',
      resourceId: 'later',
      payload: {},
      runAfter: new Date(Date.now() + 3_600_000),
    });
    const now = await queue.enqueue(db.kysely, {
      kind: 'thing.slow',
      resourceId: 'now',
      payload: {},
    });
    queue.start();
    await started.promise;
    expect(await queue.cancel(db.kysely, { resourceId: 'later' })).toBe(1);
    expect(await queue.cancel(db.kysely, { id: now })).toBe(1);
    await waitFor(() => reasons.length === 1, 'the running handler to be aborted');
    await queue.idle();
    expect(reasons[0]).toBeInstanceOf(TaskCancelledError);
    expect(ran).toEqual(['now']);
    expect(onFailedCalls).toBe(0);
    expect((await queue.get(later))?.state).toBe('cancelled');
    expect((await queue.get(now))?.state).toBe('cancelled');
    expect(await queue.cancel(db.kysely, { id: now })).toBe(0);
  });
});

describe('TaskQueue observability', () => {
  it('logs each state change as a JSON line and counts tasks by kind and state', async () => {
    const db = await openDatabase<Tables>('sqlite::memory:');
    try {
      const service = await freshService(db);
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      });
      const metrics = createProcessMetrics({ defaultMetrics: false });
      const logger = createLogger({ name: 'test', level: 'info', destination });
      const queue = newQueue(db, service, { logger, metrics, retry: { maxAttempts: 1 } });
      queue.register('thing.create', { run: async () => undefined });
      queue.register('thing.slow', {
        run: async () => {
          throw new Error('no');
        },
      });
      const ok = await queue.enqueue(db.kysely, {
        kind: 'thing.create',
        resourceId: 'a',
        payload: { size: 1 },
      });
      const bad = await queue.enqueue(db.kysely, {
        kind: 'thing.slow',
        resourceId: 'b',
        payload: {},
      });
      // Another queue in the same process shares the registry's metrics.
      newQueue(db, service, { metrics });
      queue.start();
      await queue.drain();

      const states = (task: string) => lines.filter((l) => l.task === task).map((l) => l.state);
      expect(states(ok)).toEqual(['running', 'succeeded']);
      expect(states(bad)).toEqual(['running', 'failed']);
      expect(lines.find((l) => l.task === bad && l.state === 'failed')).toMatchObject({
        level: 'error',
        kind: 'thing.slow',
        resource: 'b',
        error: { message: 'no' },
      });

      const text = await metrics.registry.metrics();
      expect(text).toContain(
        `strata_tasks_total{service="${service}",kind="thing.create",state="succeeded"} 1`,
      );
      expect(text).toContain(
        `strata_tasks_total{service="${service}",kind="thing.slow",state="failed"} 1`,
      );
      expect(text).toContain(
        `strata_tasks_total{service="${service}",kind="thing.create",state="queued"} 1`,
      );
      expect(text).toMatch(
        new RegExp(
          `strata_task_duration_seconds_count\\{service="${service}",kind="thing.slow",outcome="failed"\\} 1`,
        ),
      );
    } finally {
      await Promise.all(queues.splice(0).map((q) => q.stop({ timeoutMs: 200 })));
      await db.close();
    }
  });

  it('checks its arguments', async () => {
    const db = await openDatabase<Tables>('sqlite::memory:');
    try {
      expect(() => new TaskQueue({ db, service: 'Bad-Name' })).toThrow(TypeError);
      expect(() => new TaskQueue({ db, service: 'ok', concurrency: 0 })).toThrow(RangeError);
      expect(() => new TaskQueue({ db, service: 'ok', retry: { maxAttempts: 0 } })).toThrow(
        RangeError,
      );
      const queue = new TaskQueue<Kinds, Tables>({ db, service: 'ok' });
      queue.register('thing.create', { run: async () => undefined });
      expect(() => queue.register('thing.create', { run: async () => undefined })).toThrow(
        /already/,
      );
      await expect(
        queue.enqueue(db.kysely, { kind: 'thing.create', resourceId: '', payload: { size: 1 } }),
      ).rejects.toThrow(TypeError);
      await expect(queue.drain()).rejects.toThrow(/started/);
    } finally {
      await db.close();
    }
  });
});
