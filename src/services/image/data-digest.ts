import { Transform, Writable, type TransformCallback } from 'node:stream';
import { hashers, SLOT_BYTES, slotPool, type HashJob } from './digest-threads.ts';

/** More bytes arrived than the image may have (size cap, quota, or the size announced). */
export class ImageSizeLimitExceeded extends Error {
  override readonly name = 'ImageSizeLimitExceeded';
  constructor(readonly limit: number) {
    super(`The image is larger than the ${limit} bytes it may have.`);
  }
}

/** The data ended before the size the client announced: a truncated upload. */
export class ImageDataTruncated extends Error {
  override readonly name = 'ImageDataTruncated';
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`The image data ended after ${received} of the ${expected} bytes announced.`);
  }
}

export interface ImageDigest {
  readonly size: number;
  /** md5 hex: Glance's `checksum`. */
  readonly checksum: string;
  /** sha512 hex: Glance's `os_hash_value` (os_hash_algo `sha512`). */
  readonly multihash: string;
}

// A stream may hold this many slots of the pool (filling, hashing, being written): enough to keep
// both hashers and the disk busy at once, and leaves room for a second upload.
const maxSlotsPerStream = 8;

/**
 * Copies a stream's bytes into slots of the shared pool and hands each full slot to both
 * hashers, and to `sink` (a store's write) when there is one; a slot goes back to the pool
 * once all of them are done with it. Memory is at most `maxSlotsPerStream` slots, whatever
 * the size of the data: a stream that has them all waits until one comes back.
 */
class SlotBatcher {
  #slot: number | undefined;
  #fill = 0;
  /** Slots this stream holds, with how many readers (hashers, sink) still use each. */
  readonly #held = new Map<number, number>();
  readonly #sinkBusy = new Set<number>();
  #sinkChain: Promise<void> = Promise.resolve();
  #jobs: { md5: HashJob; sha512: HashJob } | undefined;
  #onRelease: (() => void) | undefined;
  #aborted = false;
  failure: Error | undefined;

  constructor(private readonly sink?: (data: Buffer) => Promise<void>) {}

  /** Copies `chunk` in; calls `then` when this stream may take more, or with the failure. */
  add(chunk: Buffer, then: (err?: Error) => void): void {
    const pool = slotPool();
    let offset = 0;
    const step = (): void => {
      while (offset < chunk.length) {
        if (this.failure) return then(this.failure);
        if (this.#slot === undefined) {
          const slot = this.#held.size < maxSlotsPerStream ? pool.take() : undefined;
          if (slot === undefined) {
            if (this.#held.size >= maxSlotsPerStream) this.#onRelease = step;
            else pool.whenFree(step);
            return;
          }
          this.#slot = slot;
          this.#held.set(slot, 0);
          this.#fill = 0;
        }
        const copied = chunk.copy(pool.views[this.#slot]!, this.#fill, offset);
        offset += copied;
        this.#fill += copied;
        if (this.#fill === SLOT_BYTES) this.#dispatch();
      }
      then();
    };
    step();
  }

  /** Hands over the last, partial slot; resolves with the digests once the sink has written all. */
  async finish(): Promise<{ checksum: string; multihash: string }> {
    if (this.#fill > 0) this.#dispatch();
    else if (this.#slot !== undefined) this.#release(this.#slot);
    this.#slot = undefined;
    const jobs = this.#started();
    const [checksum, multihash] = await Promise.all([jobs.md5.digest(), jobs.sha512.digest(), this.#sinkChain]);
    if (this.failure) throw this.failure;
    return { checksum, multihash };
  }

  /**
   * Gives up: the hashes are dropped and every slot goes back, except those a sink write still
   * reads, which go back when it ends (the promise). A hasher may still read a returned slot
   * for this dropped job; whatever it reads there only feeds a hash no one will see.
   */
  abort(err: Error | undefined): Promise<void> {
    this.failure ??= err ?? new Error('the data stream was destroyed');
    if (this.#aborted) return this.#sinkChain;
    this.#aborted = true;
    if (this.#jobs) {
      this.#jobs.md5.drop();
      this.#jobs.sha512.drop();
    }
    for (const slot of [...this.#held.keys()]) if (!this.#sinkBusy.has(slot)) this.#release(slot);
    this.#slot = undefined;
    this.#wake();
    return this.#sinkChain;
  }

  #dispatch(): void {
    const slot = this.#slot!;
    const length = this.#fill;
    this.#slot = undefined;
    this.#fill = 0;
    const jobs = this.#started();
    const done = () => {
      const users = (this.#held.get(slot) ?? 1) - 1;
      if (users <= 0 || this.#aborted) this.#release(slot);
      else this.#held.set(slot, users);
    };
    this.#held.set(slot, this.sink ? 3 : 2);
    jobs.md5.update(slot, length, done);
    jobs.sha512.update(slot, length, done);
    const sink = this.sink;
    if (!sink) return;
    this.#sinkBusy.add(slot);
    const data = slotPool().views[slot]!.subarray(0, length);
    this.#sinkChain = this.#sinkChain.then(async () => {
      try {
        if (!this.failure) await sink(data);
      } catch (err) {
        this.#fail(err as Error);
      } finally {
        this.#sinkBusy.delete(slot);
        done();
      }
    });
  }

  #started(): { md5: HashJob; sha512: HashJob } {
    if (!this.#jobs) {
      this.#jobs = { md5: hashers.md5.job(), sha512: hashers.sha512.job() };
      this.#jobs.md5.onFailure((err) => this.#fail(err));
      this.#jobs.sha512.onFailure((err) => this.#fail(err));
    }
    return this.#jobs;
  }

  #fail(err: Error): void {
    this.failure ??= err;
    this.#wake();
  }

  #release(slot: number): void {
    if (!this.#held.delete(slot)) return;
    slotPool().release(slot);
    this.#wake();
  }

  #wake(): void {
    const fn = this.#onRelease;
    this.#onRelease = undefined;
    fn?.();
  }
}

type Limits = { maxBytes?: number | undefined; expectedSize?: number | undefined };

/** The error for more bytes than allowed so far, or undefined. */
function overLimit(limits: Limits, size: number): Error | undefined {
  return limits.maxBytes !== undefined && size > limits.maxBytes ? new ImageSizeLimitExceeded(limits.maxBytes) : undefined;
}

/** The error for a stream that ended at `size` bytes when another size was announced, or undefined. */
function wrongEnd(limits: Limits, size: number): Error | undefined {
  const { expectedSize } = limits;
  if (expectedSize === undefined || size === expectedSize) return undefined;
  return size < expectedSize ? new ImageDataTruncated(expectedSize, size) : new ImageSizeLimitExceeded(expectedSize);
}

/**
 * Passes image data through unchanged while it counts and hashes it, so a store writes and
 * hashes in one pass without ever holding the whole image. Fails the stream as soon as more
 * than `maxBytes` arrive, and at the end when fewer than `expectedSize` did.
 */
export class DigestStream extends Transform {
  #size = 0;
  // Made with the first bytes, so a stream that never runs holds nothing on the threads.
  readonly #batcher = new SlotBatcher();
  #digest: ImageDigest | undefined;

  constructor(private readonly limits: Limits = {}) {
    // 1 MiB each way: with the default 16 KiB, every 64 KiB socket chunk paused the source.
    super({ highWaterMark: SLOT_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#size += chunk.length;
    const over = overLimit(this.limits, this.#size);
    if (over) return done(over);
    this.#batcher.add(chunk, (err) => (err ? done(err) : done(null, chunk)));
  }

  override _flush(done: TransformCallback): void {
    const wrong = wrongEnd(this.limits, this.#size);
    if (wrong) return done(wrong);
    this.#batcher.finish().then((d) => {
      this.#digest = { size: this.#size, ...d };
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (this.#digest) return done(err);
    void this.#batcher.abort(err ?? undefined).then(() => done(err));
  }

  /** The size and hashes, once the stream has ended without error. */
  get digest(): ImageDigest {
    if (!this.#digest) throw new Error('DigestStream: the data has not ended yet');
    return this.#digest;
  }
}

/**
 * The end of an upload for a store that writes bytes itself: counts and hashes the data like
 * DigestStream and calls `write` with it in order, 1 MiB at a time, from the very slots the
 * hashers read (one copy of each byte in the process, one write per MiB whatever size the
 * socket delivered). `write` must be done with its buffer when its promise settles; the next
 * call waits for that. Finishes once every write has and both digests are in.
 */
export class DigestWriter extends Writable {
  #size = 0;
  readonly #batcher: SlotBatcher;
  #digest: ImageDigest | undefined;

  constructor(
    write: (data: Buffer) => Promise<void>,
    private readonly limits: Limits = {},
  ) {
    super({ highWaterMark: SLOT_BYTES });
    this.#batcher = new SlotBatcher(write);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#size += chunk.length;
    const over = overLimit(this.limits, this.#size);
    if (over) return done(over);
    this.#batcher.add(chunk, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    const wrong = wrongEnd(this.limits, this.#size);
    if (wrong) return done(wrong);
    this.#batcher.finish().then((d) => {
      this.#digest = { size: this.#size, ...d };
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (this.#digest) return done(err);
    // Waits for a write in flight: its slot must not be lent out while the disk still reads it.
    void this.#batcher.abort(err ?? undefined).then(() => done(err));
  }

  get digest(): ImageDigest {
    if (!this.#digest) throw new Error('DigestWriter: the data has not ended yet');
    return this.#digest;
  }
}
