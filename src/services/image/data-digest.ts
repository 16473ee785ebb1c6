import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

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

// md5 and sha512 cost about 1.3 CPU-seconds per GiB each here (docs/benchmarks/image-data.md):
// on the event loop together they cap an upload at what one core hashes and stall every other
// request meanwhile. Each algorithm runs on a worker thread of its own, shared by all uploads,
// fed copies of the data in batches; the stream only copies bytes and waits when a hasher falls
// `maxInFlight` behind, so memory stays bounded whatever the disk and the client do.
const batchBytes = 1 << 20;
const maxInFlight = 8 * batchBytes;

const hasherSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.job);
    if (!h) hashes.set(m.job, (h = createHash(workerData.algo)));
    h.update(new Uint8Array(m.data));
    parentPort.postMessage({ job: m.job, ack: m.data.byteLength });
  } else if (m.op === 'digest') {
    const h = hashes.get(m.job) ?? createHash(workerData.algo);
    hashes.delete(m.job);
    parentPort.postMessage({ job: m.job, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.job);
  }
});
`;

type HashAlgorithm = 'md5' | 'sha512';

/** One hash of one stream, computed on its algorithm's worker. */
class HashJob {
  inFlight = 0;
  failure: Error | undefined;
  #onProgress: (() => void) | undefined;
  #digest: { resolve(hex: string): void; reject(err: Error): void } | undefined;

  constructor(
    private readonly hasher: Hasher,
    readonly id: number,
  ) {}

  update(data: Uint8Array): void {
    this.inFlight += data.byteLength;
    this.hasher.post({ op: 'update', job: this.id, data: data.buffer }, [data.buffer as ArrayBuffer]);
  }

  digest(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.#digest = { resolve, reject };
      this.hasher.post({ op: 'digest', job: this.id });
    });
  }

  drop(): void {
    this.hasher.forget(this.id);
    this.hasher.post({ op: 'drop', job: this.id });
  }

  /** Called once when the stream should look at inFlight / failure again. */
  onProgress(fn: () => void): void {
    this.#onProgress = fn;
  }

  acked(bytes: number): void {
    this.inFlight -= bytes;
    this.#wake();
  }

  digested(hex: string): void {
    this.hasher.forget(this.id);
    this.#digest?.resolve(hex);
  }

  failed(err: Error): void {
    this.failure = err;
    this.#digest?.reject(err);
    this.#wake();
  }

  #wake(): void {
    const fn = this.#onProgress;
    this.#onProgress = undefined;
    fn?.();
  }
}

/** The worker thread of one algorithm; started on first use, restarted after it dies. */
class Hasher {
  #worker: Worker | undefined;
  readonly #jobs = new Map<number, HashJob>();
  #nextJob = 0;

  constructor(private readonly algo: HashAlgorithm) {}

  job(): HashJob {
    this.#ensureWorker();
    const job = new HashJob(this, this.#nextJob++);
    this.#jobs.set(job.id, job);
    // The thread keeps the process alive exactly while a hash is owed to someone.
    if (this.#jobs.size === 1) this.#worker?.ref();
    return job;
  }

  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    this.#worker?.postMessage(message, transfer);
  }

  forget(id: number): void {
    if (this.#jobs.delete(id) && this.#jobs.size === 0) this.#worker?.unref();
  }

  #ensureWorker(): void {
    if (this.#worker) return;
    const worker = new Worker(hasherSource, { eval: true, workerData: { algo: this.algo } });
    worker.on('message', (m: { job: number; ack?: number; hex?: string }) => {
      const job = this.#jobs.get(m.job);
      if (!job) return;
      if (m.hex !== undefined) job.digested(m.hex);
      else if (m.ack !== undefined) job.acked(m.ack);
    });
    const fail = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const jobs = [...this.#jobs.values()];
      this.#jobs.clear();
      for (const job of jobs) job.failed(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${this.algo} hasher thread exited (${code})`)));
    // Idle until job() refs it. After the listeners: adding a 'message' listener refs the port again.
    worker.unref();
    this.#worker = worker;
  }
}

const hashers: Record<HashAlgorithm, Hasher> = { md5: new Hasher('md5'), sha512: new Hasher('sha512') };

/**
 * Passes image data through unchanged while it counts and hashes it, so a store writes and
 * hashes in one pass without ever holding the whole image. Fails the stream as soon as more
 * than `maxBytes` arrive, and at the end when fewer than `expectedSize` did.
 */
export class DigestStream extends Transform {
  #size = 0;
  // Made with the first bytes, so a stream that never runs holds nothing on the threads.
  #jobs: { md5: HashJob; sha512: HashJob } | undefined;
  #batch: Buffer[] = [];
  #batched = 0;
  #digest: ImageDigest | undefined;

  constructor(private readonly limits: { maxBytes?: number | undefined; expectedSize?: number | undefined } = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#size += chunk.length;
    const { maxBytes } = this.limits;
    if (maxBytes !== undefined && this.#size > maxBytes) {
      done(new ImageSizeLimitExceeded(maxBytes));
      return;
    }
    this.#batch.push(chunk);
    this.#batched += chunk.length;
    if (this.#batched >= batchBytes) this.#send();
    this.#whenRoom(() => done(null, chunk), done);
  }

  override _flush(done: TransformCallback): void {
    const { expectedSize } = this.limits;
    if (expectedSize !== undefined && this.#size !== expectedSize) {
      done(this.#size < expectedSize ? new ImageDataTruncated(expectedSize, this.#size) : new ImageSizeLimitExceeded(expectedSize));
      return;
    }
    this.#send();
    const jobs = this.#started();
    Promise.all([jobs.md5.digest(), jobs.sha512.digest()]).then(([checksum, multihash]) => {
      this.#digest = { size: this.#size, checksum, multihash };
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (this.#jobs && !this.#digest) {
      this.#jobs.md5.drop();
      this.#jobs.sha512.drop();
    }
    done(err);
  }

  /** The size and hashes, once the stream has ended without error. */
  get digest(): ImageDigest {
    if (!this.#digest) throw new Error('DigestStream: the data has not ended yet');
    return this.#digest;
  }

  /** Hands the batched bytes to both hashers: one copy each, moved (not cloned) to the thread. */
  #send(): void {
    if (this.#batched === 0) return;
    const data = new Uint8Array(this.#batched);
    let offset = 0;
    for (const b of this.#batch) {
      data.set(b, offset);
      offset += b.length;
    }
    this.#batch = [];
    this.#batched = 0;
    const jobs = this.#started();
    jobs.sha512.update(data.slice());
    jobs.md5.update(data);
  }

  #started(): { md5: HashJob; sha512: HashJob } {
    this.#jobs ??= { md5: hashers.md5.job(), sha512: hashers.sha512.job() };
    return this.#jobs;
  }

  /** Calls `go` at once while both hashers keep up, else when they have caught up. */
  #whenRoom(go: () => void, fail: (err: Error) => void): void {
    for (const job of this.#jobs ? [this.#jobs.md5, this.#jobs.sha512] : []) {
      if (job.failure) {
        fail(job.failure);
        return;
      }
      if (job.inFlight > maxInFlight) {
        job.onProgress(() => this.#whenRoom(go, fail));
        return;
      }
    }
    go();
  }
}
