import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DigestStream,
  ImageDataMissing,
  StoreFull,
  type ByteRange,
  type ImageStore,
  type PutOptions,
  type StoreCapacity,
  type StoredImageData,
} from '../../../services/image/drivers.ts';
import type { RbdImageAccess, RbdImageSpec } from './rbd-image-access.ts';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Glance image ids are UUIDs (its image schema's id pattern). */
const IMAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Glance's RBD store snapshot name: the protected snapshot clones are made from. */
export const IMAGE_SNAP = 'snap';
const PARTIAL_INFIX = '.partial.';

export interface RbdImageStoreOptions {
  readonly id: string;
  readonly pool: string;
  readonly rbd: RbdImageAccess;
  readonly description?: string;
  /** Create the pool at start when it is missing (otherwise start fails). */
  readonly createPool?: boolean;
}

/**
 * Image data as RBD images (Glance's rbd store): image `<id>` in the pool with a protected
 * snapshot `snap`, at location `rbd://<fsid>/<pool>/<id>/snap`. A volume backend on the same
 * cluster clones that snapshot instead of copying the data. A put imports into a hidden
 * `<id>.partial.<n>` image and renames it once complete, so a location only ever names whole
 * data and discard(id) finds what a crash left behind.
 */
export class RbdImageStore implements ImageStore {
  readonly id: string;
  readonly type = 'rbd';
  readonly description: string;
  readonly #pool: string;
  readonly #rbd: RbdImageAccess;
  #fsid: string | undefined;

  constructor(private readonly opts: RbdImageStoreOptions) {
    this.id = opts.id;
    this.#pool = opts.pool;
    this.#rbd = opts.rbd;
    this.description = opts.description ?? `Images in the Ceph RBD pool ${opts.pool}.`;
  }

  async start(): Promise<void> {
    this.#fsid = await this.#rbd.fsid();
    if (await this.#rbd.poolExists(this.#pool)) return;
    if (!this.opts.createPool) throw new Error(`RBD image store ${this.id}: pool ${this.#pool} does not exist`);
    await this.#rbd.ensurePool(this.#pool);
  }

  async put(imageId: string, data: Readable, opts: PutOptions = {}): Promise<StoredImageData> {
    const target = this.#specOf(imageId);
    const partial = { pool: this.#pool, image: `${imageId}${PARTIAL_INFIX}${randomUUID().slice(0, 8)}` };
    const digest = new DigestStream(opts);
    try {
      const [fed, imported] = await Promise.allSettled([pipeline(data, digest), this.#rbd.importRaw(partial, digest)]);
      // the source's failure (client gone, limit, truncation) explains a failed import best
      if (fed.status === 'rejected') throw fed.reason;
      if (imported.status === 'rejected') throw imported.reason;
      await this.#rbd.removeImage(target);
      await this.#rbd.rename(partial, imageId);
      await this.#rbd.snapshot({ ...target, snap: IMAGE_SNAP });
      return { location: await this.#locationOf(imageId), ...digest.digest };
    } catch (err) {
      if (!data.destroyed) data.destroy();
      await this.#rbd.removeImage(partial).catch(() => undefined);
      const kind = (err as { kind?: string }).kind;
      throw kind === 'no-space' ? new StoreFull(`Store ${this.id} is full.`, { cause: err }) : err;
    }
  }

  async get(location: string, range?: ByteRange): Promise<Readable> {
    const spec = this.#specOfLocation(location);
    if (!(await this.#rbd.info(spec))) throw new ImageDataMissing(`No image data at ${location}.`);
    const whole = this.#rbd.exportRaw(spec);
    if (!range) return whole;
    // `rbd export` has no offset: skip to the slice and stop the export once it is read
    const slice = new RangeSlice(range);
    slice.once('end', () => whole.destroy());
    pipeline(whole, slice).catch(() => undefined);
    return slice;
  }

  async delete(location: string): Promise<void> {
    const spec = this.#specOfLocation(location);
    await this.#rbd.removeImage({ pool: spec.pool, image: spec.image });
  }

  async discard(imageId: string): Promise<void> {
    const target = this.#specOf(imageId);
    const partials = (await this.#rbd.list(this.#pool)).filter((i) => i.image.startsWith(`${imageId}${PARTIAL_INFIX}`));
    for (const p of partials) await this.#rbd.removeImage({ pool: this.#pool, image: p.image });
    await this.#rbd.removeImage(target);
  }

  /**
   * Images named like an image id (a UUID): partial puts (`<id>.partial.<n>`), data kept only
   * for clones (`<id>.deleted`) and anything else sharing the pool (a volume backend's
   * `volume-<id>`) are never listed, so the orphan sweep cannot touch them.
   */
  async list(): Promise<string[]> {
    return (await this.#rbd.list(this.#pool)).map((i) => i.image).filter((name) => IMAGE_ID.test(name));
  }

  async capacity(): Promise<StoreCapacity> {
    const usage = await this.#rbd.poolUsage(this.#pool);
    if (!usage) return { totalBytes: 0, freeBytes: 0 };
    return { totalBytes: usage.usedBytes + usage.maxAvailBytes, freeBytes: usage.maxAvailBytes };
  }

  properties(): Readonly<Record<string, unknown>> {
    return { pool: this.#pool, chunk_size: 8 * 1024 * 1024, thin_provisioning: true };
  }

  async #locationOf(imageId: string): Promise<string> {
    this.#fsid ??= await this.#rbd.fsid();
    return `rbd://${[this.#fsid, this.#pool, imageId, IMAGE_SNAP].map(encodeURIComponent).join('/')}`;
  }

  #specOf(imageId: string): RbdImageSpec {
    if (!SAFE_ID.test(imageId)) throw new TypeError(`not an image id: ${JSON.stringify(imageId)}`);
    return { pool: this.#pool, image: imageId };
  }

  /** The snapshot a location names, refusing any outside this store's cluster and pool. */
  #specOfLocation(location: string): RbdImageSpec & { snap: string } {
    const parts = location.startsWith('rbd://') ? location.slice('rbd://'.length).split('/') : [];
    let decoded: string[] = [];
    try {
      decoded = parts.map(decodeURIComponent);
    } catch {
      // malformed escapes: refused below
    }
    const [fsid, pool, image, snap] = decoded;
    if (decoded.length !== 4 || !fsid || !image || snap !== IMAGE_SNAP) throw new TypeError(`not an rbd image location: ${location}`);
    if (pool !== this.#pool || (this.#fsid && fsid !== this.#fsid)) {
      throw new TypeError(`location ${location} is not in store ${this.id}`);
    }
    return { ...this.#specOf(image), snap };
  }
}

/** Passes on `length` bytes from `offset`, then ends (destroying the source upstream). */
class RangeSlice extends Transform {
  #skip: number;
  #left: number;

  constructor(range: ByteRange) {
    super();
    this.#skip = range.offset;
    this.#left = range.length;
    if (this.#left === 0) this.push(null);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let c = chunk;
    if (this.#skip > 0) {
      const dropped = Math.min(this.#skip, c.length);
      this.#skip -= dropped;
      c = c.subarray(dropped);
    }
    if (this.#left > 0 && c.length > 0) {
      const taken = c.subarray(0, this.#left);
      this.#left -= taken.length;
      this.push(taken);
      if (this.#left === 0) this.push(null);
    }
    done();
  }
}
