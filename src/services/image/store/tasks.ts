import { fromDbJson, fromDbTime, toDbJson, toDbTime } from '../../../core/db/index.ts';
import type { ImageDb, ImageTaskRow } from './tables.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

export type TaskStatus = 'pending' | 'processing' | 'success' | 'failure';

export interface ImageTask {
  readonly id: string;
  readonly imageId: string;
  readonly type: string;
  readonly status: TaskStatus;
  readonly owner: string;
  readonly userId: string;
  readonly requestId: string;
  readonly input: Record<string, unknown>;
  readonly result: Record<string, unknown> | null;
  readonly message: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly expiresAt: Date | null;
}

export const toTask = (r: ImageTaskRow): ImageTask => ({
  id: r.id,
  imageId: r.image_id,
  type: r.type,
  status: r.status as TaskStatus,
  owner: r.owner,
  userId: r.user_id,
  requestId: r.request_id,
  input: fromDbJson<Record<string, unknown>>(r.input),
  result: r.result === null ? null : fromDbJson<Record<string, unknown>>(r.result),
  message: r.message,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
  expiresAt: r.expires_at === null ? null : fromDbTime(r.expires_at),
});

export interface NewTask {
  readonly id: string;
  readonly imageId: string;
  readonly owner: string;
  readonly userId: string;
  readonly requestId: string;
  readonly input: Record<string, unknown>;
}

export async function insertTask(db: Handle, task: NewTask, now: Date): Promise<void> {
  const t = toDbTime(now);
  await db
    .insertInto('image_task')
    .values({
      id: task.id,
      image_id: task.imageId,
      type: 'api_image_import',
      status: 'pending',
      owner: task.owner,
      user_id: task.userId,
      request_id: task.requestId,
      input: toDbJson(task.input),
      result: null,
      message: '',
      created_at: t,
      updated_at: t,
      expires_at: null,
      lease_owner: null,
      lease_until: null,
    })
    .execute();
}

export async function tasksOfImage(db: Handle, imageId: string): Promise<ImageTask[]> {
  const rows = await db.selectFrom('image_task').selectAll().where('image_id', '=', imageId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toTask);
}

export async function findTask(db: Handle, id: string): Promise<ImageTask | undefined> {
  const row = await db.selectFrom('image_task').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toTask(row) : undefined;
}

export async function listTasks(db: Handle, owner: string | undefined, limit: number): Promise<ImageTask[]> {
  const rows = await db
    .selectFrom('image_task')
    .selectAll()
    .$if(owner !== undefined, (q) => q.where('owner', '=', owner!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toTask);
}

/**
 * Takes a task to run: pending ones, and processing ones whose worker stopped renewing its
 * lease (it died mid-import). False when another worker holds it.
 */
export async function claimTask(db: Handle, id: string, worker: string, leaseMs: number, now: Date): Promise<boolean> {
  const t = toDbTime(now);
  const res = await db
    .updateTable('image_task')
    .set({ status: 'processing', lease_owner: worker, lease_until: toDbTime(new Date(now.getTime() + leaseMs)), updated_at: t })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'processing'), eb.or([eb('lease_until', '<', t), eb('lease_owner', '=', worker)])]),
      ]),
    )
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Tasks a worker should pick up: never started, or abandoned by a dead worker (or by this one before a restart). */
export async function claimableTasks(db: Handle, worker: string, now: Date, limit: number): Promise<string[]> {
  const t = toDbTime(now);
  const rows = await db
    .selectFrom('image_task')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'processing'), eb.or([eb('lease_until', '<', t), eb('lease_owner', '=', worker)])]),
      ]),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function renewTask(db: Handle, id: string, worker: string, leaseMs: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('image_task')
    .set({ lease_until: toDbTime(new Date(now.getTime() + leaseMs)) })
    .where('id', '=', id)
    .where('lease_owner', '=', worker)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Ends a task (fenced by its lease): success or failure with a message Glance would give. */
export async function finishTask(
  db: Handle,
  id: string,
  worker: string,
  outcome: { status: 'success' | 'failure'; message: string; result?: Record<string, unknown> },
  now: Date,
  ttlMs: number,
): Promise<boolean> {
  const res = await db
    .updateTable('image_task')
    .set({
      status: outcome.status,
      message: outcome.message,
      result: outcome.result === undefined ? null : toDbJson(outcome.result),
      lease_owner: null,
      lease_until: null,
      updated_at: toDbTime(now),
      expires_at: toDbTime(new Date(now.getTime() + ttlMs)),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', worker)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
