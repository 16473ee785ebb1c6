/**
 * One run of a claimed task: build the handler's context, run it, and record what came of
 * it (success, retry, failure with the onFailed hook, hand-back on stop). Every write is
 * fenced (task-store.ts), so a worker that lost the task records nothing.
 */
import type { Logger } from '../observability/index.ts';
import { retryDelayMs, type RetryPolicy } from './backoff.ts';
import {
  LeaseLostError,
  QueueStoppingError,
  TaskCancelledError,
  toTaskFailure,
  type TaskFailure,
} from './errors.ts';
import type { TaskMetrics } from './metrics.ts';
import { MAX_NAME_LENGTH, type TaskRow } from './tables.ts';
import type { TaskContext, TaskFailedEvent, TaskHandler } from './task-handler.ts';
import { rowToTask, type Task } from './task-record.ts';
import type { Claim, TaskStore } from './task-store.ts';

export interface Registered {
  readonly handler: TaskHandler<object, unknown>;
  readonly retry: RetryPolicy;
}

/** A task this worker runs now. */
export interface Running {
  readonly claim: Claim;
  readonly controller: AbortController;
  /** When the lease lapses if it is not renewed again. */
  leaseUntil: number;
  /** stop() gave up waiting and handed the task back: record nothing more for it. */
  abandoned: boolean;
}

/** What the run needs from its queue. */
export interface RunEnv {
  readonly store: TaskStore;
  readonly service: string;
  readonly leaseTtlMs: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics | undefined;
}

type Outcome = 'succeeded' | 'retry' | 'failed' | 'interrupted' | 'lost';

interface Run {
  readonly env: RunEnv;
  readonly entry: Running;
  readonly log: Logger;
  readonly labels: { service: string; kind: string };
}

export async function runClaimedTask(
  env: RunEnv,
  registered: Registered,
  row: TaskRow,
  entry: Running,
): Promise<void> {
  const run: Run = {
    env,
    entry,
    log: env.logger.child({ task: row.id, kind: row.kind, resource: row.resource_id }),
    labels: { service: env.service, kind: row.kind },
  };
  const started = performance.now();
  let task: Task<object>;
  try {
    task = rowToTask(row);
  } catch (err) {
    // Not something a retry can mend: fail it without the hook, which needs the task.
    await recordFailure(run, undefined, toTaskFailure(err));
    return;
  }
  if (entry.claim.attempts > registered.retry.maxAttempts) {
    // Its workers kept dying (or its onFailed hook kept failing) until the attempts ran out.
    const failure: TaskFailure = task.lastError
      ? { ...task.lastError, retryable: false }
      : {
          code: 'task_abandoned',
          message: `no worker finished the task in ${registered.retry.maxAttempts} attempts`,
          retryable: false,
        };
    await recordFailure(run, { task, registered }, failure);
    return;
  }
  run.log.info(
    { state: 'running', attempt: entry.claim.attempts, step: task.step },
    'task running',
  );
  env.metrics?.transitions.inc({ ...run.labels, state: 'running' });

  const ctx = context(run, task);
  let outcome: Outcome;
  try {
    await registered.handler.run(ctx);
    outcome = await recordSuccess(run);
  } catch (err) {
    outcome = await recordError(run, { task: ctx.task, registered }, err);
  }
  env.metrics?.duration.observe({ ...run.labels, outcome }, (performance.now() - started) / 1000);
}

/** Why a task is no longer this worker's, as the handler's signal reports it. */
export async function lossReason(store: TaskStore, id: string): Promise<Error> {
  const state = await store.stateOf(id).catch(() => undefined);
  return state === 'cancelled'
    ? new TaskCancelledError(`task ${id} was cancelled`)
    : new LeaseLostError(`task ${id} is no longer this worker's (now ${state ?? 'unknown'})`);
}

export function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME_LENGTH) {
    throw new TypeError(`task ${what} must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
}

function context({ env, entry, log }: Run, initial: Task<object>): TaskContext<object> {
  let task = initial;
  const ensureOwned = async (owned: boolean): Promise<void> => {
    if (owned) {
      entry.leaseUntil = Date.now() + env.leaseTtlMs;
      return;
    }
    const reason = await lossReason(env.store, entry.claim.id);
    entry.controller.abort(reason);
    throw reason;
  };
  const ensureNotAbandoned = (): void => {
    if (entry.abandoned)
      throw new LeaseLostError('the task was handed back when the queue stopped');
  };
  return {
    get task() {
      return task;
    },
    signal: entry.controller.signal,
    logger: log,
    async setStep(step, payloadPatch) {
      checkName('step', step);
      ensureNotAbandoned();
      const payload = { ...task.payload, ...payloadPatch };
      await ensureOwned(await env.store.setStep(entry.claim, step, payload));
      task = { ...task, step, payload, updatedAt: new Date() };
      log.info({ state: 'running', step }, 'task step done');
    },
    async heartbeat() {
      ensureNotAbandoned();
      await ensureOwned(await env.store.renew(entry.claim, env.leaseTtlMs));
    },
  };
}

async function recordSuccess({ env, entry, log, labels }: Run): Promise<Outcome> {
  if (entry.abandoned) return 'interrupted';
  try {
    if (!(await env.store.succeed(entry.claim))) {
      const reason = await lossReason(env.store, entry.claim.id);
      log.warn({ reason: reason.message }, 'task finished but was no longer ours; not recorded');
      return 'lost';
    }
  } catch (err) {
    log.error({ err }, 'could not record task success; it will be resumed after its lease lapses');
    return 'lost';
  }
  log.info({ state: 'succeeded', attempt: entry.claim.attempts }, 'task succeeded');
  env.metrics?.transitions.inc({ ...labels, state: 'succeeded' });
  return 'succeeded';
}

async function recordError(
  run: Run,
  source: { task: Task<object>; registered: Registered },
  err: unknown,
): Promise<Outcome> {
  const { env, entry, log, labels } = run;
  if (entry.abandoned) return 'interrupted';
  const signal = entry.controller.signal;
  if (
    signal.aborted &&
    (signal.reason instanceof LeaseLostError || signal.reason instanceof TaskCancelledError)
  ) {
    log.warn({ reason: (signal.reason as Error).message }, 'task stopped: no longer ours');
    return 'lost';
  }
  if (signal.aborted && signal.reason instanceof QueueStoppingError) {
    try {
      if (await env.store.release(entry.claim)) {
        log.info({ state: 'queued', step: source.task.step }, 'task handed back: queue stopping');
      }
    } catch (releaseErr) {
      log.error(
        { err: releaseErr },
        'could not hand task back; it will be resumed after its lease lapses',
      );
    }
    return 'interrupted';
  }
  const failure = toTaskFailure(err);
  const policy = source.registered.retry;
  if (!failure.retryable || entry.claim.attempts >= policy.maxAttempts) {
    return recordFailure(run, source, failure);
  }
  const delay = retryDelayMs(entry.claim.attempts, policy);
  try {
    if (!(await env.store.retryLater(entry.claim, failure, new Date(Date.now() + delay)))) {
      log.warn('task failed but was no longer ours; not recorded');
      return 'lost';
    }
  } catch (writeErr) {
    log.error(
      { err: writeErr },
      'could not record task retry; it will be resumed after its lease lapses',
    );
    return 'lost';
  }
  log.warn(
    { state: 'queued', attempt: entry.claim.attempts, retryInMs: delay, error: failure },
    'task failed; will retry',
  );
  env.metrics?.transitions.inc({ ...labels, state: 'queued' });
  return 'retry';
}

async function recordFailure(
  { env, entry, log, labels }: Run,
  source: { task: Task<object>; registered: Registered } | undefined,
  failure: TaskFailure,
): Promise<Outcome> {
  const onFailed = source?.registered.handler.onFailed;
  try {
    const recorded = await env.store.fail<unknown>(entry.claim, failure, async (trx) => {
      if (onFailed && source) {
        const event: TaskFailedEvent<object, unknown> = { task: source.task, failure, trx };
        await onFailed(event);
      }
    });
    if (!recorded) {
      log.warn('task failed but was no longer ours; not recorded');
      return 'lost';
    }
  } catch (err) {
    // Most likely the onFailed hook: the task stays claimed, and once its lease lapses
    // another claim finds its attempts spent and records the failure (and runs the hook)
    // again, with the reason kept here.
    log.error(
      { err, error: failure },
      'could not record task failure; retried after its lease lapses',
    );
    const maxAttempts = source?.registered.retry.maxAttempts ?? entry.claim.attempts;
    await env.store.noteFinalError(entry.claim, failure, maxAttempts).catch(() => undefined);
    return 'lost';
  }
  log.error({ state: 'failed', attempt: entry.claim.attempts, error: failure }, 'task failed');
  env.metrics?.transitions.inc({ ...labels, state: 'failed' });
  return 'failed';
}
