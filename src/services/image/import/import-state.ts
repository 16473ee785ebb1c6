import { isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import { imageErrors } from '../errors.ts';
import type { ImageStatus } from '../image-model.ts';
import type { PendingCopy } from '../store/locations.ts';
import { addLocation } from '../store/locations.ts';
import { writeProperties } from '../store/images.ts';
import type { ImageDb } from '../store/tables.ts';
import { findTask, finishTask, insertTask, type NewTask } from '../store/tasks.ts';
import type { ImportMethod } from './import-request.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

/** The image properties Glance keeps an import's progress in, spelled as Glance spells them. */
export const IMPORT_TASK_KEY = 'os_glance_import_task';
export const IMPORTING_KEY = 'os_glance_importing_to_stores';
export const FAILED_KEY = 'os_glance_failed_import';

/** How long a finished task stays listed (Glance's task_time_to_live, 48 hours). */
export const TASK_TTL_MS = 48 * 3600 * 1000;

export function storeList(value: string | undefined): string[] {
  return (value ?? '').split(',').filter((s) => s !== '');
}

/** Glance's merge_store_list: a sorted, comma-joined set ('' when empty). */
export function mergeStoreList(
  value: string | undefined,
  add: readonly string[],
  remove: readonly string[],
): string {
  const set = new Set(storeList(value));
  for (const s of add) set.add(s);
  for (const s of remove) set.delete(s);
  return [...set].sort().join(',');
}

async function importProps(db: Handle, imageId: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('image_property')
    .select(['name', 'value'])
    .where('image_id', '=', imageId)
    .where('name', 'in', [IMPORT_TASK_KEY, IMPORTING_KEY, FAILED_KEY])
    .execute();
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** Changes the import properties: a string sets, null removes, absent keeps. */
async function changeProps(
  db: Handle,
  imageId: string,
  change: (now: Record<string, string>) => Record<string, string | null>,
): Promise<void> {
  const before = await importProps(db, imageId);
  const after: Record<string, string> = { ...before };
  for (const [k, v] of Object.entries(change(before))) {
    if (v === null) delete after[k];
    else after[k] = v;
  }
  await writeProperties(db, imageId, before, after);
}

/** The image row as an import reads it, or undefined once deleted. */
export async function importImageRow(db: Handle, imageId: string) {
  return db
    .selectFrom('image_image')
    .select(['id', 'status', 'owner', 'size', 'checksum', 'os_hash_value', 'op_worker'])
    .where('id', '=', imageId)
    .where('deleted', '=', 0)
    .executeTakeFirst();
}

/** The import progress an image shows: the stores still to do and the ones that failed. */
export async function importProgress(
  db: Handle,
  imageId: string,
): Promise<{ task?: string; importing: string[]; failed: string[] }> {
  const p = await importProps(db, imageId);
  return {
    task: p[IMPORT_TASK_KEY],
    importing: storeList(p[IMPORTING_KEY]),
    failed: storeList(p[FAILED_KEY]),
  };
}

/** Where the staged data of an image is, or undefined when nothing is staged. */
export async function stagedLocation(
  db: Handle,
  imageId: string,
  stagingId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('image_location')
    .select('url')
    .where('image_id', '=', imageId)
    .where('store_id', '=', stagingId)
    .where('status', '=', 'staged')
    .executeTakeFirst();
  return row?.url;
}

export interface BeginImport {
  readonly task: NewTask;
  readonly method: ImportMethod;
  readonly stores: readonly string[];
  readonly stagingId: string;
}

const wrongStatus: Record<ImportMethod, string> = {
  'glance-direct': "Image needs to be staged before 'glance-direct' method can be used",
  'web-download': "Image needs to be in 'queued' state to use 'web-download' method",
  'copy-image': 'Only images with status active can be targeted for copying',
};

/**
 * Takes the image's import lock (os_glance_import_task), moves it to `importing` (copy-image
 * leaves an active image active), marks the stores as importing and records the task, all
 * in one transaction: either the import is queued for the runner, or nothing changed. A lock
 * left by a task that has finished is stale and taken over; a running task's lock is a 409.
 */
export async function beginImport(db: ImageDb, b: BeginImport, now: Date): Promise<void> {
  const imageId = b.task.imageId;
  try {
    await db.transaction().execute(async (trx) => {
      const props = await importProps(trx, imageId);
      const holder = props[IMPORT_TASK_KEY];
      if (holder !== undefined) {
        const other = await findTask(trx, holder);
        if (other && (other.status === 'pending' || other.status === 'processing'))
          throw imageErrors.conflict('Image has active task');
        const backend = other?.input.backend;
        const stale = Array.isArray(backend)
          ? backend.filter((s): s is string => typeof s === 'string')
          : [];
        await changeProps(trx, imageId, (p) => ({
          [IMPORT_TASK_KEY]: null,
          ...(stale.length
            ? {
                [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], [], stale),
                [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], [], stale),
              }
            : {}),
        }));
      }
      await trx
        .insertInto('image_property')
        .values({ image_id: imageId, name: IMPORT_TASK_KEY, value: b.task.id })
        .execute();

      const moved = await moveForImport(trx, imageId, b, now);
      if (!moved) throw imageErrors.conflict(wrongStatus[b.method]);
      await changeProps(trx, imageId, (p) => ({
        [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], b.stores, []),
        [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], [], b.stores),
      }));
      await insertTask(trx, b.task, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw imageErrors.conflict(
        `New operation on image '${imageId}' is not permitted as prior operation is still in progress`,
      );
    }
    throw err;
  }
}

async function moveForImport(
  trx: Handle,
  imageId: string,
  b: BeginImport,
  now: Date,
): Promise<boolean> {
  const t = toDbTime(now);
  const base = trx
    .updateTable('image_image')
    .set({ updated_at: t })
    .where('id', '=', imageId)
    .where('deleted', '=', 0);
  if (b.method === 'copy-image') {
    return (
      Number((await base.where('status', '=', 'active').executeTakeFirst()).numUpdatedRows) > 0
    );
  }
  if (b.method === 'web-download') {
    return (
      Number(
        (await base.set({ status: 'importing' }).where('status', '=', 'queued').executeTakeFirst())
          .numUpdatedRows,
      ) > 0
    );
  }
  // glance-direct: the stage must have finished (its data recorded, its worker gone).
  if (!(await stagedLocation(trx, imageId, b.stagingId))) return false;
  const res = await base
    .set({ status: 'importing' })
    .where('status', '=', 'uploading')
    .where('op_worker', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * A copy-image with every store already holding the data: nothing runs, but the progress
 * properties say so ('' importing, '' failed, keeping what a running import put there), so
 * a client waiting for os_glance_importing_to_stores to empty sees the copy done.
 */
export async function recordNothingToCopy(db: ImageDb, imageId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await importImageRow(trx, imageId))) return;
    await changeProps(trx, imageId, (p) => ({
      [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], [], []),
      [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], [], []),
    }));
  });
}

/** The digest a completed copy carries. */
export interface CopyDigest {
  readonly size: number;
  readonly checksum: string;
  readonly multihash: string;
}

/**
 * Records a completed copy in `storeId`: its location, the image's size and hashes (when
 * not set yet) and, when `setActive`, the move from importing to active; the store leaves
 * the importing list. False when the image was deleted meanwhile (nothing written then).
 */
export async function recordCopy(
  db: ImageDb,
  imageId: string,
  copy: { storeId: string; url: string; digest: CopyDigest; setActive: boolean },
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await importImageRow(trx, imageId);
    if (!row) return false;
    const status: ImageStatus | undefined =
      copy.setActive && row.status === 'importing' ? 'active' : undefined;
    await trx
      .updateTable('image_image')
      .set({
        updated_at: toDbTime(now),
        ...(row.checksum === null
          ? {
              size: copy.digest.size,
              checksum: copy.digest.checksum,
              os_hash_algo: 'sha512',
              os_hash_value: copy.digest.multihash,
            }
          : {}),
        ...(status ? { status } : {}),
      })
      .where('id', '=', imageId)
      .where('deleted', '=', 0)
      .execute();
    await addLocation(trx, imageId, copy.storeId, copy.url, now);
    await changeProps(trx, imageId, (p) => ({
      [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], [], [copy.storeId]),
    }));
    return true;
  });
}

/** A store that failed while others may go on (all_stores_must_succeed false). */
export async function recordStoreFailure(
  db: ImageDb,
  imageId: string,
  storeId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await importImageRow(trx, imageId))) return;
    await changeProps(trx, imageId, (p) => ({
      [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], [], [storeId]),
      [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], [storeId], []),
    }));
  });
}

/** Records web-download's data as staged, so a resumed import need not fetch it again. */
export async function recordStaged(
  db: ImageDb,
  imageId: string,
  stagingId: string,
  url: string,
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await importImageRow(trx, imageId))) return false;
    await addLocation(trx, imageId, stagingId, url, now);
    await trx
      .updateTable('image_location')
      .set({ status: 'staged' })
      .where('image_id', '=', imageId)
      .where('store_id', '=', stagingId)
      .execute();
    return true;
  });
}

/** Marks the staged data for removal (removeCopies then deletes it and the row). */
export async function unstage(
  db: Handle,
  imageId: string,
  stagingId: string,
): Promise<PendingCopy[]> {
  const rows = await db
    .selectFrom('image_location')
    .select('url')
    .where('image_id', '=', imageId)
    .where('store_id', '=', stagingId)
    .execute();
  await db
    .updateTable('image_location')
    .set({ status: 'pending_delete' })
    .where('image_id', '=', imageId)
    .where('store_id', '=', stagingId)
    .execute();
  return rows.map((r) => ({ imageId, storeId: stagingId, url: r.url }));
}

/** Ends the task and drops its lock in one transaction, fenced by the task's lease. */
async function endTask(
  trx: Handle,
  t: { taskId: string; imageId: string; worker: string },
  outcome: { status: 'success' | 'failure'; message: string; result?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  if (!(await finishTask(trx, t.taskId, t.worker, outcome, now, TASK_TTL_MS))) {
    throw new LeaseLost(t.taskId);
  }
  await trx
    .deleteFrom('image_property')
    .where('image_id', '=', t.imageId)
    .where('name', '=', IMPORT_TASK_KEY)
    .where('value', '=', t.taskId)
    .execute();
}

/** Another worker took the task over (this one was presumed dead): it stops without writing. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
  constructor(taskId: string) {
    super(`import task ${taskId} is no longer held by this worker`);
  }
}

export interface TaskRef {
  readonly taskId: string;
  readonly imageId: string;
  readonly worker: string;
}

/** The import finished: the staged data is to be removed, the task succeeds, the lock goes. */
export async function completeImport(
  db: ImageDb,
  t: TaskRef,
  stagingId: string,
  now: Date,
): Promise<PendingCopy[]> {
  return db.transaction().execute(async (trx) => {
    const staged = await unstage(trx, t.imageId, stagingId);
    await endTask(trx, t, { status: 'success', message: '', result: { image_id: t.imageId } }, now);
    return staged;
  });
}

export interface ImportFailure {
  readonly method: ImportMethod;
  /** Every store of the import. */
  readonly stores: readonly string[];
  /** The stores to list in os_glance_failed_import. */
  readonly failedStores: readonly string[];
  /** Copies this import wrote, to remove (all_stores_must_succeed). */
  readonly undoStores: readonly string[];
  readonly message: string;
  readonly stagingId: string;
}

/**
 * A failed import, undone the way Glance reverts its flow: the copies it wrote are forgotten,
 * the image goes back to queued (an image being copied stays active), its stores leave the
 * importing list and the failed ones join os_glance_failed_import; the task fails with the
 * reason and the lock is dropped. The caller has removed the data of those copies and the
 * staged data already (see dropImportedData): once queued, the image may be staged or
 * uploaded again under the same names, which a removal after this commit could hit.
 */
export async function failImport(
  db: ImageDb,
  t: TaskRef,
  f: ImportFailure,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await importImageRow(trx, t.imageId);
    if (row) {
      if (f.undoStores.length) {
        await trx
          .deleteFrom('image_location')
          .where('image_id', '=', t.imageId)
          .where('store_id', 'in', [...f.undoStores])
          .execute();
      }
      if (f.method !== 'copy-image') {
        await trx
          .deleteFrom('image_location')
          .where('image_id', '=', t.imageId)
          .where('store_id', '=', f.stagingId)
          .execute();
        await trx
          .updateTable('image_image')
          .set({
            status: 'queued',
            size: null,
            virtual_size: null,
            checksum: null,
            os_hash_algo: null,
            os_hash_value: null,
            updated_at: toDbTime(now),
          })
          .where('id', '=', t.imageId)
          .where('deleted', '=', 0)
          .where('status', 'in', ['importing', 'active'])
          .execute();
      }
      await changeProps(trx, t.imageId, (p) => ({
        [IMPORTING_KEY]: mergeStoreList(p[IMPORTING_KEY], [], f.stores),
        [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], f.failedStores, []),
      }));
    }
    await endTask(trx, t, { status: 'failure', message: f.message }, now);
  });
}

/** Hands a task back (the worker is stopping): any worker may resume it right away. */
export async function releaseTask(
  db: Handle,
  taskId: string,
  worker: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('image_task')
    .set({ lease_until: toDbTime(now) })
    .where('id', '=', taskId)
    .where('lease_owner', '=', worker)
    .where('status', '=', 'processing')
    .execute();
}

/**
 * Images left `importing` with no live task behind them (the task row ended or is gone, as
 * after a crash between two writes of an older version): back to queued, so nothing stays
 * stuck. Returns their ids.
 */
export async function orphanedImports(db: Handle): Promise<string[]> {
  const rows = await db
    .selectFrom('image_image as i')
    .leftJoin('image_property as p', (j) =>
      j.onRef('p.image_id', '=', 'i.id').on('p.name', '=', IMPORT_TASK_KEY),
    )
    .leftJoin('image_task as t', 't.id', 'p.value')
    .select('i.id')
    .where('i.status', '=', 'importing')
    .where('i.deleted', '=', 0)
    .where((eb) => eb.or([eb('t.id', 'is', null), eb('t.status', 'in', ['success', 'failure'])]))
    .execute();
  return rows.map((r) => r.id);
}

/** Queues an orphaned importing image again; its staged data must be gone already. */
export async function requeueOrphan(
  db: ImageDb,
  imageId: string,
  stagingId: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('image_image')
      .set({
        status: 'queued',
        size: null,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        updated_at: toDbTime(now),
      })
      .where('id', '=', imageId)
      .where('status', '=', 'importing')
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return;
    await changeProps(trx, imageId, (p) => ({
      [IMPORT_TASK_KEY]: null,
      [FAILED_KEY]: mergeStoreList(p[FAILED_KEY], storeList(p[IMPORTING_KEY]), []),
      [IMPORTING_KEY]: '',
    }));
    await trx
      .deleteFrom('image_location')
      .where('image_id', '=', imageId)
      .where('store_id', '=', stagingId)
      .execute();
  });
}
