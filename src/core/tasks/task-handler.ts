/** The types a service writes its task handlers and requests against. */
import type { Transaction } from 'kysely';
import type { UntypedTables } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { RetryPolicy } from './backoff.ts';
import type { TaskFailure } from './errors.ts';
import type { Task, TaskState } from './task-record.ts';

/** Payload type per task kind: `{ 'volume.create': { sizeGb: number }, ... }`. */
export type TaskKinds<Kinds> = { [K in keyof Kinds]: object };

/** What a handler gets for one run of a task. */
export interface TaskContext<P extends object> {
  /** The task as stored; step and payload follow setStep. */
  readonly task: Task<P>;
  /** Aborted when the queue stops, the task is cancelled, or its lease is lost. */
  readonly signal: AbortSignal;
  /** Carries the task id, kind and resource id. */
  readonly logger: Logger;
  /**
   * Records that `step` is done and merges `payloadPatch` into the payload, in one write.
   * A run resumed after a crash starts with `task.step` set to the last step recorded.
   * Throws (LeaseLostError, TaskCancelledError) if the task is no longer this worker's.
   */
  setStep(step: string, payloadPatch?: Partial<P>): Promise<void>;
  /**
   * Extends the lease now and confirms the task is still this worker's (throws as setStep
   * does). The queue renews leases by itself; call this before an irreversible step.
   */
  heartbeat(): Promise<void>;
}

export interface TaskFailedEvent<P extends object, DB> {
  readonly task: Task<P>;
  readonly failure: TaskFailure;
  /**
   * The transaction that marks the task failed: write the resource's error state through
   * it, so both commit or neither does. Do not use another handle of the same SQLite
   * database here: its one connection is this transaction's.
   */
  readonly trx: Transaction<DB>;
}

export interface TaskHandler<P extends object, DB = UntypedTables> {
  /**
   * Does the work. Every step must be safe to repeat: a run that dies after a step but
   * before its setStep is written does that step again. Returning marks the task
   * succeeded; throwing an error with `retryable: true` retries it with backoff, anything
   * else (or the last attempt) fails it.
   */
  run(ctx: TaskContext<P>): Promise<void>;
  /** Called once when the task fails for good, inside the transaction that records it. */
  onFailed?(event: TaskFailedEvent<P, DB>): Promise<void>;
  readonly retry?: Partial<RetryPolicy>;
}

export interface EnqueueRequest<K extends string, P extends object> {
  readonly kind: K;
  /** The resource the task works on (volume id, image id). */
  readonly resourceId: string;
  readonly payload: P;
  /** Not started before this time. */
  readonly runAfter?: Date;
}

export interface TaskFilter {
  readonly resourceId?: string;
  readonly states?: readonly TaskState[];
}
