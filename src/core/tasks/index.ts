/**
 * Long operations as persisted state machines, leases, and periodic jobs.
 *
 * A service keeps its tasks in its own tables, `<service>_task` and `<service>_lease`,
 * created from one of its migrations with `createTaskTables(db, '<service>')`.
 *
 * TaskQueue (one per service per process, every replica runs one):
 * - `enqueue(trxOrDb, { kind, resourceId, payload, runAfter? })` records the intent,
 *   inside the caller's transaction when given one: the volume row and its task commit
 *   together or not at all. Any replica with a handler for the kind runs it.
 * - A worker claims due tasks with a lease (a conditional UPDATE; `FOR UPDATE SKIP LOCKED`
 *   where the database has row locks), so two replicas never run the same task, and
 *   renews the lease while the handler runs. A worker that dies stops renewing; once the
 *   lease lapses another worker claims the task and runs the handler again from the last
 *   step the handler recorded with `setStep`. Steps must therefore be idempotent: a step
 *   interrupted before its setStep runs again.
 * - An error with `retryable: true` (TaskError, a driver's retryable error) is retried
 *   with capped exponential backoff up to `maxAttempts`; any other error, or the last
 *   attempt, fails the task and calls the handler's `onFailed` in the same transaction,
 *   where the service moves its resource to `error` with the reason.
 * - Writes to a running task are fenced by (owner, attempt): a worker that lost its task
 *   records nothing; its handler's `signal` is aborted with LeaseLostError (or
 *   TaskCancelledError after `cancel`).
 * - `stop()` aborts handlers' signals, waits for them (with a timeout) and hands their
 *   tasks back; `drain()` and `idle()` are for tests.
 * Each state change is a JSON log line (`task running`, `task step done`, `task
 * succeeded`, `task failed; will retry`, `task failed`, ...) and, given ProcessMetrics, counts in
 * `strata_tasks_total{service,kind,state}` and `strata_task_duration_seconds`.
 *
 * Leases: `runExclusive(name, ttlMs, fn)` runs fn on one replica at a time. PeriodicJob
 * runs a function every interval (plus jitter) on the one replica holding its lease.
 *
 * Example (block storage):
 *
 * ```ts
 * // store/migrations/0002_tasks.ts
 * export async function up(db: Kysely<unknown>) {
 *   await createTaskTables(db, 'block_storage');
 * }
 *
 * // tasks.ts
 * interface VolumeTasks {
 *   'volume.create': { sizeGb: number; location?: ProviderLocation };
 *   'volume.delete': Record<string, never>;
 * }
 * const queue = new TaskQueue<VolumeTasks, BlockStorageTables>({
 *   db, service: 'block_storage', logger: deps.logger, metrics: deps.metrics,
 * });
 * queue.register('volume.create', {
 *   async run({ task, setStep, signal }) {
 *     if (task.step === null) {
 *       // Idempotent: a resumed run may create what exists.
 *       const location = await driver.createVolume({ id: task.resourceId, sizeGb: task.payload.sizeGb });
 *       await setStep('created', { location });
 *     }
 *     signal.throwIfAborted();
 *     await db.kysely.updateTable('block_storage_volume')
 *       .set({ status: 'available', provider_location: JSON.stringify(task.payload.location) })
 *       .where('id', '=', task.resourceId).execute();
 *   },
 *   async onFailed({ task, failure, trx }) {
 *     await trx.updateTable('block_storage_volume').set({ status: 'error' })
 *       .where('id', '=', task.resourceId).execute();
 *     // ...and a user message with failure.message
 *   },
 *   retry: { maxAttempts: 3 },
 * });
 * queue.start();  // in ServiceInstance.start(); queue.stop() in stop()
 *
 * // api: the row and its task in one transaction, then start it without waiting a poll
 * await db.kysely.transaction().execute(async (trx) => {
 *   await trx.insertInto('block_storage_volume').values({ id, status: 'creating', ... }).execute();
 *   await queue.enqueue(trx, { kind: 'volume.create', resourceId: id, payload: { sizeGb: 1 } });
 * });
 * queue.wake();
 *
 * // a reconciler on one replica at a time
 * const job = new PeriodicJob({
 *   leases: new Leases({ db, service: 'block_storage' }), name: 'capacity-refresh',
 *   intervalMs: 60_000, run: (signal) => refreshPools(signal),
 * });
 * job.start();
 * ```
 */
export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.ts';
export {
  LeaseLostError,
  QueueStoppingError,
  TaskCancelledError,
  TaskError,
  toTaskFailure,
  type TaskFailure,
} from './errors.ts';
export { Leases, type ExclusiveResult, type LeaseHolder, type LeasesOptions } from './lease.ts';
export {
  JobStoppingError,
  PeriodicJob,
  type LeaseHandle,
  type PeriodicJobOptions,
} from './periodic-job.ts';
export { createTaskTables, leaseTable, taskTable } from './tables.ts';
export { TASK_STATES, type Task, type TaskState } from './task-record.ts';
export type {
  EnqueueRequest,
  TaskContext,
  TaskFailedEvent,
  TaskFilter,
  TaskHandler,
  TaskKinds,
} from './task-handler.ts';
export { TaskQueue, type TaskQueueOptions } from './task-queue.ts';
