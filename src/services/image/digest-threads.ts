import { Worker } from 'node:worker_threads';

// md5 and sha512 cost about 1.3 CPU-seconds per GiB each here (docs/benchmarks/image-data.md):
// on the event loop together they would cap an upload at what one core hashes and stall every
// other request meanwhile. Each algorithm runs on a worker thread of its own, shared by all
// uploads. The bytes reach the threads through slots of shared memory: the event loop copies a
// stream's bytes into a slot once and both threads (and a store's write) read that same slot,
// so no batch is zero-filled, cloned or transferred, and the memory is the same 16 MiB however
// many GiB go through (fresh buffers per batch made the heap, and the CPU spent on it, grow
// with the size of the upload).

/** Bytes per slot: one batch to the hashers, one write to a store. */
export const SLOT_BYTES = 1 << 20;
const POOL_SLOTS = 16;

/** A fixed set of shared buffers, lent out one at a time and handed back when done with. */
export class SlotPool {
  readonly buffers: readonly SharedArrayBuffer[];
  readonly views: readonly Buffer[];
  readonly #free: number[];
  #waiters: Array<() => void> = [];

  constructor(slots: number, slotBytes: number) {
    this.buffers = Array.from({ length: slots }, () => new SharedArrayBuffer(slotBytes));
    this.views = this.buffers.map((b) => Buffer.from(b));
    this.#free = this.buffers.map((_, i) => slots - 1 - i);
  }

  take(): number | undefined {
    return this.#free.pop();
  }

  /** Calls `fn` once, the next time a slot comes back (it may then be taken by someone else). */
  whenFree(fn: () => void): void {
    this.#waiters.push(fn);
  }

  release(slot: number): void {
    this.#free.push(slot);
    // Everyone waiting tries again: one that gave up meanwhile must not swallow the wake-up.
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const fn of waiters) fn();
  }
}

let sharedPool: SlotPool | undefined;
/** The process's slot pool, made on first use so a process that never hashes holds none. */
export function slotPool(): SlotPool {
  sharedPool ??= new SlotPool(POOL_SLOTS, SLOT_BYTES);
  return sharedPool;
}

const hasherSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const slots = workerData.slots.map((s) => new Uint8Array(s));
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.job);
    if (!h) hashes.set(m.job, (h = createHash(workerData.algo)));
    h.update(slots[m.slot].subarray(0, m.length));
    parentPort.postMessage({ job: m.job });
  } else if (m.op === 'digest') {
    const h = hashes.get(m.job) ?? createHash(workerData.algo);
    hashes.delete(m.job);
    parentPort.postMessage({ job: m.job, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.job);
  }
});
`;

export type HashAlgorithm = 'md5' | 'sha512';

/** One hash of one stream, computed on its algorithm's thread from slots of the pool. */
export class HashJob {
  failure: Error | undefined;
  /** Called once per update, in order, when the thread is done reading its slot. */
  readonly #pending: Array<() => void> = [];
  #digest: { resolve(hex: string): void; reject(err: Error): void } | undefined;
  #onFailure: ((err: Error) => void) | undefined;

  constructor(
    private readonly hasher: Hasher,
    readonly id: number,
  ) {}

  update(slot: number, length: number, done: () => void): void {
    this.#pending.push(done);
    this.hasher.post({ op: 'update', job: this.id, slot, length });
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

  onFailure(fn: (err: Error) => void): void {
    this.#onFailure = fn;
  }

  acked(): void {
    this.#pending.shift()?.();
  }

  digested(hex: string): void {
    this.hasher.forget(this.id);
    this.#digest?.resolve(hex);
  }

  failed(err: Error): void {
    this.failure = err;
    this.#digest?.reject(err);
    this.#onFailure?.(err);
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

  post(message: unknown): void {
    this.#worker?.postMessage(message);
  }

  forget(id: number): void {
    if (this.#jobs.delete(id) && this.#jobs.size === 0) this.#worker?.unref();
  }

  #ensureWorker(): void {
    if (this.#worker) return;
    const worker = new Worker(hasherSource, { eval: true, workerData: { algo: this.algo, slots: slotPool().buffers } });
    worker.on('message', (m: { job: number; hex?: string }) => {
      const job = this.#jobs.get(m.job);
      if (!job) return;
      if (m.hex !== undefined) job.digested(m.hex);
      else job.acked();
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

export const hashers: Record<HashAlgorithm, Hasher> = { md5: new Hasher('md5'), sha512: new Hasher('sha512') };
