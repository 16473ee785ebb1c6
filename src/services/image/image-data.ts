import type { Readable } from 'node:stream';
import { toDbTime } from '../../core/db/index.ts';
import type { ApiError } from '../../core/errors/index.ts';
import type { ImageEnv } from './env.ts';
import { ImageDataMissing, ImageDataTruncated, ImageSizeLimitExceeded, StoreFull, type ImageStore, type StoredImageData } from './drivers.ts';
import { imageErrors } from './errors.ts';
import { forgetCopy, type PendingCopy } from './store/locations.ts';

/** The store behind a location row: an enabled store, or staging. */
export function storeById(env: Pick<ImageEnv, 'stores' | 'staging'>, storeId: string): ImageStore | undefined {
  return storeId === env.staging.id ? env.staging : env.stores.get(storeId);
}

/**
 * Removes copies whose rows say `pending_delete`, then their rows. A copy that cannot be
 * removed now keeps its row, and recovery tries again later: data is never forgotten while
 * it still takes space.
 */
export async function removeCopies(env: Pick<ImageEnv, 'db' | 'stores' | 'staging' | 'logger'>, copies: readonly PendingCopy[]): Promise<void> {
  for (const copy of copies) {
    const store = storeById(env, copy.storeId);
    if (!store) {
      env.logger.warn({ image_id: copy.imageId, store: copy.storeId }, 'image data is in a store that is no longer enabled; left in place');
      continue;
    }
    try {
      await store.delete(copy.url);
      await forgetCopy(env.db, copy.imageId, copy.storeId);
    } catch (err) {
      env.logger.warn({ err, image_id: copy.imageId, store: copy.storeId }, 'removing image data failed; recovery will retry');
    }
  }
}

/** Ends this worker's mark on an image (whatever its status became meanwhile). */
export async function releaseOperation(env: Pick<ImageEnv, 'db' | 'operations'>, imageId: string): Promise<void> {
  env.operations.end(imageId);
  await env.db
    .updateTable('image_image')
    .set({ op_worker: null, op_heartbeat: null })
    .where('id', '=', imageId)
    .where('op_worker', '=', env.operations.workerId)
    .execute();
}

/** The mark a status change that starts streaming puts on the image row. */
export function operationMark(env: Pick<ImageEnv, 'operations'>, now: Date): { op_worker: string; op_heartbeat: string } {
  return { op_worker: env.operations.workerId, op_heartbeat: toDbTime(now) };
}

/** Translates what a store put can fail with into Glance's answers (the partial data is already gone). */
export function dataFailure(err: unknown, limitedBy: 'cap' | 'quota'): ApiError | undefined {
  if (err instanceof ImageSizeLimitExceeded) {
    return limitedBy === 'quota'
      ? imageErrors.tooLarge(`Image exceeds the storage quota: ${err.message}`)
      : imageErrors.tooLarge(`The incoming image is too large: ${err.message}`);
  }
  if (err instanceof ImageDataTruncated) return imageErrors.badRequest(`The image data is incomplete: ${err.message}`);
  if (err instanceof StoreFull) return imageErrors.tooLarge(`Image storage media is full: ${err.message}`);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error | undefined)?.message === 'aborted') {
    return imageErrors.badRequest('The client closed the connection before the image data was complete.');
  }
  return undefined;
}

/** The most bytes a put may take: the size cap, or less when a quota leaves less room. */
export function byteBudget(cap: number, remaining: number | undefined): { maxBytes: number; limitedBy: 'cap' | 'quota' } {
  return remaining !== undefined && remaining < cap ? { maxBytes: remaining, limitedBy: 'quota' } : { maxBytes: cap, limitedBy: 'cap' };
}

/** Opens the data of an image's copy, or undefined when the store lost it. */
export async function openCopy(store: ImageStore, url: string, range?: { offset: number; length: number }): Promise<Readable | undefined> {
  try {
    return await store.get(url, range);
  } catch (err) {
    if (err instanceof ImageDataMissing) return undefined;
    throw err;
  }
}

export type { StoredImageData };
