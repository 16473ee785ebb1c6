import { toDbTime } from '../../../core/db/index.ts';
import { statusesBefore } from '../image-model.ts';
import type { ImageDb } from './tables.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

export interface PendingCopy {
  readonly imageId: string;
  readonly storeId: string;
  readonly url: string;
}

/** Records a complete copy of the data in a store (replacing an older record for that store). */
export async function addLocation(db: Handle, imageId: string, storeId: string, url: string, now: Date): Promise<void> {
  await db.deleteFrom('image_location').where('image_id', '=', imageId).where('store_id', '=', storeId).execute();
  await db
    .insertInto('image_location')
    .values({ image_id: imageId, store_id: storeId, url, status: 'active', created_at: toDbTime(now) })
    .execute();
}

/**
 * Marks an image deleted and its copies as data still to remove, in one transaction: the
 * data is removed after the commit, and a crash in between leaves `pending_delete` rows that
 * recovery finishes. Returns the copies, or undefined when the image was already gone.
 */
export async function markImageDeleted(db: ImageDb, imageId: string, now: Date): Promise<PendingCopy[] | undefined> {
  const t = toDbTime(now);
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('image_image')
      .set({ status: 'deleted', deleted: 1, deleted_at: t, updated_at: t })
      .where('id', '=', imageId)
      .where('deleted', '=', 0)
      .where('status', 'in', statusesBefore('deleted'))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return undefined;
    await trx.updateTable('image_location').set({ status: 'pending_delete' }).where('image_id', '=', imageId).execute();
    const rows = await trx.selectFrom('image_location').select(['store_id', 'url']).where('image_id', '=', imageId).execute();
    return rows.map((r) => ({ imageId, storeId: r.store_id, url: r.url }));
  });
}

/** Marks one copy for removal (deleting an image's data from one store). */
export async function markCopyPendingDelete(db: Handle, imageId: string, storeId: string): Promise<boolean> {
  const res = await db
    .updateTable('image_location')
    .set({ status: 'pending_delete' })
    .where('image_id', '=', imageId)
    .where('store_id', '=', storeId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Forgets a copy once its data is gone. */
export async function forgetCopy(db: Handle, imageId: string, storeId: string): Promise<void> {
  await db.deleteFrom('image_location').where('image_id', '=', imageId).where('store_id', '=', storeId).where('status', '=', 'pending_delete').execute();
}

export async function pendingDeletes(db: Handle, limit: number): Promise<PendingCopy[]> {
  const rows = await db
    .selectFrom('image_location')
    .select(['image_id', 'store_id', 'url'])
    .where('status', '=', 'pending_delete')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ imageId: r.image_id, storeId: r.store_id, url: r.url }));
}

/**
 * Marks one copy for removal unless it is the image's last active one, so concurrent
 * removals can never leave an active image without data: touching the image row first
 * serializes them (a row lock on PostgreSQL and MariaDB; SQLite has one writer).
 * Returns the copy to remove, or undefined when it is the last or already gone.
 */
export async function dropCopyUnlessLast(db: ImageDb, imageId: string, storeId: string, now: Date): Promise<PendingCopy | undefined> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('image_image').set({ updated_at: toDbTime(now) }).where('id', '=', imageId).execute();
    const active = await trx.selectFrom('image_location').select(['store_id', 'url']).where('image_id', '=', imageId).where('status', '=', 'active').execute();
    const copy = active.find((l) => l.store_id === storeId);
    if (!copy || active.length < 2) return undefined;
    await trx.updateTable('image_location').set({ status: 'pending_delete' }).where('image_id', '=', imageId).where('store_id', '=', storeId).execute();
    return { imageId, storeId, url: copy.url };
  });
}
