import type { ImageEnv } from '../env.ts';
import { claimableTasks, claimTask, findTask, renewTask } from '../store/tasks.ts';
import { ImportStopped, runImport, type StopReason } from './import-job.ts';
import { importImageRow, orphanedImports, releaseTask, requeueOrphan } from './import-state.ts';

/**
 * Runs interoperable imports (glance-direct, web-download, copy-image) in the background and,
 * on start, finishes or fails the imports a stopped worker left behind.
 */
export interface ImportRunner {
  start(): void;
  stop(): Promise<void>;
  /** Looks for work now (an import was just queued) instead of at the next poll. */
  kick(): void;
}

/** Imports one worker runs at once; more wait in the table for a free slot or another worker. */
const MAX_RUNNING = 2;

interface Running {
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

/**
 * The import runner of one image worker; `env` is everything but the runner itself.
 *
 * Tasks live in image_task with a lease: a worker claims a pending task, or a processing one
 * whose lease ran out (its worker died) or that it held itself before a restart, and renews
 * the lease while the import runs. Every step the import takes is recorded, so the worker
 * that claims an interrupted task resumes it where the data allows and otherwise fails it
 * with the reason, putting the image back to queued.
 */
export function createImportRunner(env: Omit<ImageEnv, 'importer'>): ImportRunner {
  const worker = env.operations.workerId;
  const leaseMs = env.operations.staleAfterMs;
  const beatMs = env.operations.heartbeatMs;
  const running = new Map<string, Running>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let again = false;

  const stop = (r: Running, reason: StopReason) => {
    if (!r.abort.signal.aborted) r.abort.abort(new ImportStopped(reason));
  };

  async function heartbeat(
    taskId: string,
    imageId: string,
    r: Running,
    progress: { bytes: number },
  ): Promise<void> {
    const now = env.now();
    if (!(await renewTask(env.db, taskId, worker, leaseMs, now))) return stop(r, 'lease_lost');
    if (!(await importImageRow(env.db, imageId))) return stop(r, 'image_deleted');
    // Glance reports progress in the task's message while it copies.
    await env.db
      .updateTable('image_task')
      .set({ message: `Copied ${Math.floor(progress.bytes / (1024 * 1024))} MiB` })
      .where('id', '=', taskId)
      .where('lease_owner', '=', worker)
      .where('status', '=', 'processing')
      .execute();
  }

  /** Registers a claimed task as running before anything awaits, so no later poll claims it again. */
  function begin(taskId: string): void {
    let resolveDone!: () => void;
    const r: Running = {
      abort: new AbortController(),
      done: new Promise<void>((res) => (resolveDone = res)),
    };
    running.set(taskId, r);
    void run(taskId, r).finally(() => {
      running.delete(taskId);
      resolveDone();
      if (!stopping) kick();
    });
  }

  async function run(taskId: string, r: Running): Promise<void> {
    const task = await findTask(env.db, taskId).catch((err: unknown) =>
      env.logger.warn({ err, task_id: taskId }, 'reading an import task failed'),
    );
    if (!task) return;
    const abort = r.abort;
    const progress = { bytes: 0 };
    const beat = setInterval(() => {
      heartbeat(taskId, task.imageId, r, progress).catch((err: unknown) =>
        env.logger.warn({ err, task_id: taskId }, 'import heartbeat failed'),
      );
    }, beatMs);
    beat.unref();
    try {
      const outcome = await runImport({ env, task, worker, signal: abort.signal, progress });
      env.logger.info({ task_id: taskId, image_id: task.imageId, outcome }, 'image import ended');
      if (outcome === 'abandoned' && stopping) await releaseTask(env.db, taskId, worker, env.now());
    } catch (err) {
      // The database or a store failed under the import: the lease runs out and the task is
      // retried by whichever worker claims it next.
      env.logger.error(
        { err, task_id: taskId, image_id: task.imageId },
        'image import interrupted; it will be retried',
      );
    } finally {
      clearInterval(beat);
    }
  }

  async function pump(): Promise<void> {
    do {
      again = false;
      const free = MAX_RUNNING - running.size;
      if (stopping || free <= 0) return;
      const ids = await claimableTasks(env.db, worker, env.now(), free + running.size);
      for (const id of ids) {
        if (stopping || running.size >= MAX_RUNNING) break;
        if (running.has(id)) continue;
        if (await claimTask(env.db, id, worker, leaseMs, env.now())) begin(id);
      }
    } while (again && !stopping);
  }

  function kick(): void {
    if (stopping) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pump()
      .catch((err: unknown) => env.logger.warn({ err }, 'looking for image imports failed'))
      .finally(() => {
        pumping = undefined;
      });
  }

  /** Images left importing with no task that could still finish them go back to queued. */
  async function sweep(): Promise<void> {
    for (const id of await orphanedImports(env.db)) {
      env.logger.warn(
        { image_id: id },
        'image was left importing without a live import task; back to queued',
      );
      // Staged data first: once queued, the image may be staged again.
      await env.staging.discard(id);
      await requeueOrphan(env.db, id, env.staging.id, env.now());
    }
  }

  return {
    start() {
      stopping = false;
      sweep()
        .catch((err: unknown) => env.logger.warn({ err }, 'sweeping orphaned image imports failed'))
        .finally(() => kick());
      timer = setInterval(kick, beatMs);
      timer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await pumping;
      const all = [...running.values()];
      for (const r of all) stop(r, 'stopping');
      await Promise.all(all.map((r) => r.done));
    },
    kick,
  };
}
