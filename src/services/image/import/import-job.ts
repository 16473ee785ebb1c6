import { pipeline, Transform, type Readable } from 'node:stream';
import { addAbortSignal } from 'node:stream';
import { isApiError } from '../../../core/errors/index.ts';
import type { ImageEnv } from '../env.ts';
import type { ImageStore } from '../drivers.ts';
import { byteBudget, dataFailure, openCopy, removeCopies, storeById } from '../image-data.ts';
import type { PendingCopy } from '../store/locations.ts';
import type { ImageTask } from '../store/tasks.ts';
import { IMPORT_METHODS, type ImportMethod } from './import-request.ts';
import {
  completeImport,
  failImport,
  importImageRow,
  importProgress,
  recordCopy,
  recordStaged,
  recordStoreFailure,
  stagedLocation,
  type TaskRef,
} from './import-state.ts';
import { uriFilterOf } from './uri-filter.ts';
import { openWebSource, WebSourceError } from './web-source.ts';

export type JobEnv = Omit<ImageEnv, 'importer'>;

/** Why a running import was told to stop. */
export type StopReason = 'stopping' | 'lease_lost' | 'image_deleted';

export class ImportStopped extends Error {
  override readonly name = 'ImportStopped';
  constructor(readonly reason: StopReason) {
    super(`import stopped: ${reason}`);
  }
}

export interface ImportJob {
  readonly env: JobEnv;
  readonly task: ImageTask;
  readonly worker: string;
  /** Aborted with an ImportStopped reason. */
  readonly signal: AbortSignal;
  /** Bytes moved so far (the runner reports them as the task's message). */
  readonly progress: { bytes: number };
}

/** What the task's input says to do (Glance's task input: image_id, import_req, backend). */
export interface ImportPlan {
  readonly imageId: string;
  readonly method: ImportMethod;
  readonly uri: string | undefined;
  readonly stores: readonly string[];
  readonly mustSucceed: boolean;
}

export function planOf(task: ImageTask): ImportPlan | undefined {
  const req = task.input.import_req as
    { method?: { name?: unknown; uri?: unknown }; all_stores_must_succeed?: unknown } | undefined;
  const name = req?.method?.name;
  const backend = task.input.backend;
  if (
    typeof name !== 'string' ||
    !(IMPORT_METHODS as readonly string[]).includes(name) ||
    !Array.isArray(backend)
  )
    return undefined;
  return {
    imageId: task.imageId,
    method: name as ImportMethod,
    uri: typeof req?.method?.uri === 'string' ? req.method.uri : undefined,
    stores: backend.filter((s): s is string => typeof s === 'string'),
    mustSucceed: req?.all_stores_must_succeed !== false,
  };
}

const MiB = 1024 * 1024;

/** A store's write failed; the message is what the task and the logs say. */
class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
}

function stopReason(signal: AbortSignal): StopReason | undefined {
  return signal.aborted && signal.reason instanceof ImportStopped
    ? signal.reason.reason
    : undefined;
}

/** The source stream, counted for progress and cut when the job is stopped. */
function metered(src: Readable, job: ImportJob): Readable {
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      job.progress.bytes += chunk.length;
      cb(null, chunk);
    },
  });
  pipeline(src, addAbortSignal(job.signal, meter), () => undefined);
  return meter;
}

function describe(err: unknown): string {
  if (isApiError(err)) return err.message;
  if (err instanceof StoreFailure || err instanceof WebSourceError) return err.message;
  return `Task failed due to Internal Error: ${(err as Error)?.message ?? String(err)}`;
}

/**
 * Runs (or resumes) one import. Every step is recorded before the next starts, so a worker
 * that stops at any point leaves a task another run can take up: stores already written
 * have left os_glance_importing_to_stores, web-download's data once complete is recorded
 * as staged. Returns 'abandoned' when the job was stopped (the task stays for a resume).
 */
export async function runImport(job: ImportJob): Promise<'success' | 'failure' | 'abandoned'> {
  const { env, task } = job;
  const ref: TaskRef = { taskId: task.id, imageId: task.imageId, worker: job.worker };
  const plan = planOf(task);
  const cleanup: PendingCopy[] = [];
  const fail = async (f: {
    failed?: readonly string[];
    undo?: readonly string[];
    message: string;
  }) => {
    // Whatever broke, an image deleted meanwhile is the reason the user needs to hear.
    if (!(await importImageRow(env.db, task.imageId)))
      f = { message: 'Image has been deleted, aborting import.' };
    env.logger.warn(
      { image_id: task.imageId, task_id: task.id, reason: f.message },
      'image import failed',
    );
    // The image is queued again by failImport: its data goes first, while it is still
    // importing, so a new stage or upload cannot meet a removal of the old data.
    if (plan)
      await dropImportedData(env, task.imageId, {
        staged: plan.method !== 'copy-image',
        stores: f.undo ?? [],
      });
    await failImport(
      env.db,
      ref,
      {
        method: plan?.method ?? 'glance-direct',
        stores: plan?.stores ?? [],
        failedStores: f.failed ?? [],
        undoStores: f.undo ?? [],
        message: f.message,
        stagingId: env.staging.id,
      },
      env.now(),
    );
    return 'failure' as const;
  };
  try {
    if (!plan)
      return await fail({ message: 'The import task input is not one this service can run.' });
    return await execute(job, plan, fail, cleanup);
  } catch (err) {
    const reason = stopReason(job.signal);
    if (reason === 'stopping' || reason === 'lease_lost') return 'abandoned';
    if (reason === 'image_deleted')
      return fail({ message: 'Image has been deleted, aborting import.' });
    throw err;
  } finally {
    if (cleanup.length) await removeCopies(env, cleanup);
  }
}

/** Removes the data of an import that is failing: what it staged and its copies in `stores`. */
async function dropImportedData(
  env: JobEnv,
  imageId: string,
  what: { staged: boolean; stores: readonly string[] },
): Promise<void> {
  const stores = what.stores;
  if (what.staged) await env.staging.discard(imageId);
  if (stores.length === 0) return;
  const copies = await env.db
    .selectFrom('image_location')
    .select(['store_id', 'url'])
    .where('image_id', '=', imageId)
    .where('store_id', 'in', [...stores])
    .execute();
  for (const c of copies) await storeById(env, c.store_id)?.delete(c.url);
}

type Fail = (f: {
  failed?: readonly string[];
  undo?: readonly string[];
  message: string;
}) => Promise<'failure'>;

async function execute(
  job: ImportJob,
  plan: ImportPlan,
  fail: Fail,
  cleanup: PendingCopy[],
): Promise<'success' | 'failure'> {
  const { env } = job;
  const row = await importImageRow(env.db, plan.imageId);
  if (!row) return fail({ message: 'Image has been deleted, aborting import.' });
  const progress = await importProgress(env.db, plan.imageId);
  const remaining = plan.stores.filter((s) => progress.importing.includes(s));
  const fresh = remaining.length === plan.stores.length;

  for (const s of remaining) {
    if (!env.stores.has(s))
      return fail({
        failed: [s],
        undo: plan.stores,
        message: `Store ${s} is not enabled any more.`,
      });
  }

  let staged =
    plan.method === 'copy-image'
      ? undefined
      : await stagedLocation(env.db, plan.imageId, env.staging.id);
  if (fresh && !(plan.method === 'web-download' && staged)) {
    // Glance checks quotas once the image is marked as importing (assert_quota).
    try {
      const sizeMiB = Math.floor(Number(row.size ?? 0) / MiB);
      if (plan.method === 'glance-direct')
        await env.quotas.enforce(row.owner, { image_size_total: sizeMiB });
      else
        await env.quotas.enforce(row.owner, {
          image_stage_total: sizeMiB,
          image_count_uploading: 0,
        });
    } catch (err) {
      if (isApiError(err) && err.status === 413) return fail({ message: err.message });
      throw err;
    }
  }

  if (plan.method === 'web-download' && !staged && remaining.length) {
    try {
      staged = await download(job, plan, row.owner);
    } catch (err) {
      if (stopReason(job.signal)) throw err;
      return fail({ failed: plan.stores, message: describe(err) });
    }
    if (!(await recordStaged(env.db, plan.imageId, env.staging.id, staged, env.now()))) {
      await env.staging.discard(plan.imageId);
      return fail({ message: 'Image has been deleted, aborting import.' });
    }
  }
  if (plan.method !== 'copy-image' && !staged && remaining.length) {
    return fail({
      failed: plan.stores,
      message: 'The staged image data is gone; stage the data again.',
    });
  }

  const source = async (): Promise<{ store: ImageStore; url: string }> => {
    if (staged) return { store: env.staging, url: staged };
    const image = await env.db
      .selectFrom('image_location')
      .select(['store_id', 'url'])
      .where('image_id', '=', plan.imageId)
      .where('status', '=', 'active')
      .execute();
    const from = image.find((l) => !remaining.includes(l.store_id) && storeById(env, l.store_id));
    if (!from) throw new StoreFailure('The image has no data in any enabled store to copy from.');
    return { store: storeById(env, from.store_id)!, url: from.url };
  };

  const last = plan.stores[plan.stores.length - 1];
  for (const storeId of remaining) {
    const target = env.stores.get(storeId)!;
    const setActive = plan.method !== 'copy-image' && (!plan.mustSucceed || storeId === last);
    try {
      await copyInto(job, plan, target, source, setActive);
    } catch (err) {
      if (stopReason(job.signal)) throw err;
      if (err instanceof ImageGone)
        return fail({ message: 'Image has been deleted, aborting import.' });
      const message = `Import to store ${storeId} failed: ${describe(err)}`;
      env.logger.warn(
        { image_id: plan.imageId, store: storeId, reason: message },
        'image import to a store failed',
      );
      if (plan.mustSucceed) return fail({ failed: [storeId], undo: plan.stores, message });
      await recordStoreFailure(env.db, plan.imageId, storeId);
    }
  }

  const after = await importImageRow(env.db, plan.imageId);
  if (!after) return fail({ message: 'Image has been deleted, aborting import.' });
  if (plan.method !== 'copy-image' && after.status !== 'active')
    return fail({ message: 'None of the uploads finished!' });
  cleanup.push(
    ...(await completeImport(
      env.db,
      { taskId: job.task.id, imageId: plan.imageId, worker: job.worker },
      env.staging.id,
      env.now(),
    )),
  );
  return 'success';
}

class ImageGone extends Error {
  override readonly name = 'ImageGone';
}

/** web-download: the source's data into staging, within the size cap and the staging quota. */
async function download(job: ImportJob, plan: ImportPlan, owner: string | null): Promise<string> {
  const { env } = job;
  const filter = uriFilterOf(env.settings);
  // Whatever a worker that died mid-download left in staging goes before the new attempt.
  await env.staging.discard(plan.imageId);
  const src = await openWebSource(plan.uri ?? '', { filter, signal: job.signal });
  const budget = byteBudget(
    env.settings.image_size_cap,
    await env.quotas.remainingBytes(owner, 'image_stage_total'),
  );
  try {
    const stored = await env.staging.put(plan.imageId, metered(src.body, job), {
      maxBytes: budget.maxBytes,
      expectedSize: src.contentLength,
    });
    return stored.location;
  } catch (err) {
    if (stopReason(job.signal)) throw err;
    const known = dataFailure(err, budget.limitedBy);
    if (known && known.status === 400) {
      throw new StoreFailure(
        `The data from ${src.url} ended before the ${src.contentLength ?? 'announced'} bytes its Content-Length announced.`,
      );
    }
    throw known ?? err;
  }
}

/** One store's copy: written, checked against what the image already says, then recorded. */
async function copyInto(
  job: ImportJob,
  plan: ImportPlan,
  target: ImageStore,
  source: () => Promise<{ store: ImageStore; url: string }>,
  setActive: boolean,
): Promise<void> {
  const { env } = job;
  const row = await importImageRow(env.db, plan.imageId);
  if (!row) throw new ImageGone();
  const from = await source();
  const data = await openCopy(from.store, from.url);
  if (!data)
    throw new StoreFailure(
      `The data to import is gone from ${from.store.id === env.staging.id ? 'staging' : `store ${from.store.id}`}.`,
    );
  const budget = byteBudget(
    env.settings.image_size_cap,
    await env.quotas.remainingBytes(row.owner, 'image_size_total'),
  );
  // This store has no recorded copy (it is still to do): anything there is a dead attempt's.
  await target.discard(plan.imageId);
  let stored;
  try {
    stored = await target.put(plan.imageId, metered(data, job), {
      maxBytes: budget.maxBytes,
      expectedSize: row.size === null ? undefined : Number(row.size),
    });
  } catch (err) {
    if (stopReason(job.signal)) throw err;
    throw dataFailure(err, budget.limitedBy) ?? err;
  }
  if (
    row.checksum !== null &&
    (row.checksum !== stored.checksum || row.os_hash_value !== stored.multihash)
  ) {
    await target.delete(stored.location);
    throw new StoreFailure(`The copy in ${target.id} does not match the image's checksum.`);
  }
  const recorded = await recordCopy(
    env.db,
    plan.imageId,
    {
      storeId: target.id,
      url: stored.location,
      digest: { size: stored.size, checksum: stored.checksum, multihash: stored.multihash },
      setActive,
    },
    env.now(),
  );
  if (!recorded) {
    await target
      .delete(stored.location)
      .catch((err: unknown) =>
        env.logger.warn(
          { err, image_id: plan.imageId },
          'removing the copy of a deleted image failed',
        ),
      );
    throw new ImageGone();
  }
}
