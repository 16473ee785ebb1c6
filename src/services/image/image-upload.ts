import type { Readable } from 'node:stream';
import { isApiError } from '../../core/errors/index.ts';
import type { ImageEnv } from './env.ts';
import { ImageSizeLimitExceeded, type ImageStore } from './drivers.ts';
import { imageErrors } from './errors.ts';
import { byteBudget, dataFailure, operationMark, releaseOperation } from './image-data.ts';
import type { Image } from './image-model.ts';
import { changeStatus } from './store/images.ts';
import { addLocation } from './store/locations.ts';

export const STAGING_STORE_ID = 'os_glance_staging_store';

export interface UploadOptions {
  /** The store to write to (x-image-meta-store); the default store when absent. */
  readonly storeId?: string | undefined;
  /** Content-Length, when the client sent one: fewer bytes means a truncated upload. */
  readonly expectedSize?: number | undefined;
  /** Content-MD5 (base64 or hex): a mismatch refuses the upload. */
  readonly contentMd5?: string | undefined;
}

function missingFormats(image: Image): void {
  const missing = [image.diskFormat ? undefined : 'disk_format', image.containerFormat ? undefined : 'container_format'].filter(Boolean);
  if (missing.length === 1) throw imageErrors.badRequest(`Property ${missing[0]} must be set prior to saving data.`);
  if (missing.length > 1) throw imageErrors.badRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
}

/** The md5 a Content-MD5 header names, as hex (RFC 1864 says base64; clients also send hex). */
export function md5FromHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^[0-9a-fA-F]{32}$/.test(v)) return v.toLowerCase();
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length !== 16) throw imageErrors.badRequest(`Invalid Content-MD5 header: ${value}`);
  return bytes.toString('hex');
}

/** Moves an image from `from` to the streaming status with this worker's mark, or 409. */
async function beginStreaming(env: ImageEnv, image: Image, to: 'saving' | 'uploading'): Promise<void> {
  const now = env.now();
  if (!(await changeStatus(env.db, image.id, { from: ['queued'], to, set: operationMark(env, now) }, now))) {
    throw imageErrors.invalidTransition(image.status === 'queued' ? 'a changed status' : image.status, to);
  }
  env.operations.begin(image.id);
}

/** Puts the image back to queued after a failed upload or stage (Glance's _restore / _unstage). */
async function restoreQueued(env: ImageEnv, imageId: string, from: 'saving' | 'uploading'): Promise<void> {
  await changeStatus(env.db, imageId, { from: [from], to: 'queued', set: { size: null, virtual_size: null, op_worker: null, op_heartbeat: null } }, env.now()).catch(
    (err: unknown) => env.logger.error({ err, image_id: imageId }, 'could not put the image back to queued; recovery will'),
  );
}

async function streamInto(
  env: ImageEnv,
  store: ImageStore,
  image: Image,
  data: Readable,
  opts: UploadOptions,
  quota: 'image_size_total' | 'image_stage_total',
) {
  await env.quotas.enforce(image.owner, { image_count_uploading: 0 });
  const budget = byteBudget(env.settings.image_size_cap, await env.quotas.remainingBytes(image.owner, quota));
  // A size announced over the budget is refused before a byte is read.
  if (opts.expectedSize !== undefined && opts.expectedSize > budget.maxBytes) {
    throw dataFailure(new ImageSizeLimitExceeded(budget.maxBytes), budget.limitedBy)!;
  }
  try {
    return await store.put(image.id, data, { maxBytes: budget.maxBytes, expectedSize: opts.expectedSize });
  } catch (err) {
    throw dataFailure(err, budget.limitedBy) ?? err;
  }
}

const goneDuring = (id: string) =>
  imageErrors.gone(`Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);

/**
 * PUT /v2/images/{id}/file: queued -> saving -> active, streaming the data into the store.
 * On any failure the partial data is gone and the image is queued again; if the image was
 * deleted meanwhile, the data is removed and the answer is 410 as Glance gives.
 */
export async function uploadImageData(env: ImageEnv, image: Image, data: Readable, opts: UploadOptions = {}): Promise<void> {
  const store = opts.storeId === undefined ? env.defaultStore : env.stores.get(opts.storeId);
  if (!store) throw imageErrors.badRequest(`Unknown scheme '${opts.storeId}' found in URI`);
  const md5 = md5FromHeader(opts.contentMd5);
  await env.quotas.enforce(image.owner, { image_size_total: 0 });
  if (image.status !== 'queued') throw imageErrors.invalidTransition(image.status, 'saving');
  missingFormats(image);
  await beginStreaming(env, image, 'saving');
  try {
    const stored = await streamInto(env, store, image, data, opts, 'image_size_total');
    if (md5 !== undefined && md5 !== stored.checksum) {
      await store.delete(stored.location);
      throw imageErrors.badRequest(`Checksum verification failed: the data has md5 ${stored.checksum}, Content-MD5 says ${md5}.`);
    }
    const now = env.now();
    const committed = await env.db.transaction().execute(async (trx) => {
      const ok = await changeStatus(
        trx,
        image.id,
        {
          from: ['saving'],
          to: 'active',
          set: { size: stored.size, checksum: stored.checksum, os_hash_algo: 'sha512', os_hash_value: stored.multihash, op_worker: null, op_heartbeat: null },
        },
        now,
      );
      if (ok) await addLocation(trx, image.id, store.id, stored.location, now);
      return ok;
    });
    if (!committed) {
      await store.delete(stored.location);
      throw goneDuring(image.id);
    }
  } catch (err) {
    if (!(isApiError(err) && err.status === 410)) await restoreQueued(env, image.id, 'saving');
    throw err;
  } finally {
    await releaseOperation(env, image.id);
  }
}

/**
 * PUT /v2/images/{id}/stage: queued -> uploading, the data kept in staging until an import
 * (glance-direct) moves it into the stores. Failures put the image back to queued.
 */
export async function stageImageData(env: ImageEnv, image: Image, data: Readable, opts: UploadOptions = {}): Promise<void> {
  await env.quotas.enforce(image.owner, { image_stage_total: 0 });
  if (image.status !== 'queued') throw imageErrors.invalidTransition(image.status, 'uploading');
  await beginStreaming(env, image, 'uploading');
  try {
    const stored = await streamInto(env, env.staging, image, data, opts, 'image_stage_total');
    const now = env.now();
    const committed = await env.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('image_image')
        .set({ size: stored.size, op_worker: null, op_heartbeat: null })
        .where('id', '=', image.id)
        .where('status', '=', 'uploading')
        .where('deleted', '=', 0)
        .executeTakeFirst();
      const ok = Number(res.numUpdatedRows) > 0;
      if (ok) {
        await addLocation(trx, image.id, env.staging.id, stored.location, now);
        await trx.updateTable('image_location').set({ status: 'staged' }).where('image_id', '=', image.id).where('store_id', '=', env.staging.id).execute();
      }
      return ok;
    });
    if (!committed) {
      await env.staging.discard(image.id);
      throw goneDuring(image.id);
    }
  } catch (err) {
    if (!(isApiError(err) && err.status === 410)) {
      await env.staging.discard(image.id).catch(() => undefined);
      await restoreQueued(env, image.id, 'uploading');
    }
    throw err;
  } finally {
    await releaseOperation(env, image.id);
  }
}
