/**
 * The "rbd diff v1" stream format (Ceph doc/dev/rbd-diff.rst) in both directions:
 * - raw -> diff: `rbd import-diff - <image>` applies it to an image that exists, which is
 *   how raw content is written into a volume in place, keeping its snapshots and clones,
 *   with the CLI only (`rbd import` can only create a new image). All-zero blocks become
 *   zero records, so the image stays thin.
 * - diff -> raw: `rbd export-diff <image> -` sends only allocated extents (parent data of a
 *   clone included); unallocated ranges become zeros here instead of crossing a pipe, which
 *   makes reading a mostly empty volume fast.
 *
 * Format: header "rbd diff v1\n"; metadata record 's' le64 image size; data records
 * 'w' le64 offset le64 length <bytes> and 'z' le64 offset le64 length; end record 'e'.
 */

const HEADER = Buffer.from('rbd diff v1\n', 'latin1');
/** Granularity of zero detection: small enough to keep sparse files sparse. */
const BLOCK = 64 * 1024;
/** Largest write record: bounds memory and gives librbd big sequential writes. */
const MAX_WRITE = 4 * 1024 * 1024;

export interface RawToDiffOptions {
  /** Size of the target image; data past it is an error. */
  readonly imageSize: number;
  /** Zero the image from the end of the data to imageSize (overwrite semantics). */
  readonly zeroTail: boolean;
}

export class DataExceedsImageError extends Error {}

function sizeRecord(size: number): Buffer {
  const b = Buffer.alloc(9);
  b.write('s', 0, 'latin1');
  b.writeBigUInt64LE(BigInt(size), 1);
  return b;
}

function extentRecord(tag: 'w' | 'z', offset: number, length: number): Buffer {
  const b = Buffer.alloc(17);
  b.write(tag, 0, 'latin1');
  b.writeBigUInt64LE(BigInt(offset), 1);
  b.writeBigUInt64LE(BigInt(length), 9);
  return b;
}

const ZEROS = Buffer.alloc(BLOCK);

function isZero(block: Buffer): boolean {
  return block.equals(block.length === BLOCK ? ZEROS : ZEROS.subarray(0, block.length));
}

/** Yields the diff stream for `data` (any chunking); merges runs of data and of zeros. */
export async function* rawToRbdDiff(data: AsyncIterable<Uint8Array>, opts: RawToDiffOptions): AsyncGenerator<Buffer> {
  yield HEADER;
  yield sizeRecord(opts.imageSize);

  let offset = 0; // bytes of input consumed into records
  let pendingWrite: Buffer[] = [];
  let pendingWriteLen = 0;
  let zeroRun = 0;

  function* flushWrite(): Generator<Buffer> {
    if (pendingWriteLen === 0) return;
    yield extentRecord('w', offset, pendingWriteLen);
    yield* pendingWrite;
    offset += pendingWriteLen;
    pendingWrite = [];
    pendingWriteLen = 0;
  }
  function* flushZeros(): Generator<Buffer> {
    if (zeroRun === 0) return;
    yield extentRecord('z', offset, zeroRun);
    offset += zeroRun;
    zeroRun = 0;
  }
  function* take(block: Buffer): Generator<Buffer> {
    if (offset + pendingWriteLen + zeroRun + block.length > opts.imageSize) {
      throw new DataExceedsImageError(`data is larger than the image (${opts.imageSize} bytes)`);
    }
    if (isZero(block)) {
      yield* flushWrite();
      zeroRun += block.length;
    } else {
      yield* flushZeros();
      // a block is copied: the source may reuse its buffer once we ask for the next chunk
      pendingWrite.push(Buffer.from(block));
      pendingWriteLen += block.length;
      if (pendingWriteLen >= MAX_WRITE) yield* flushWrite();
    }
  }

  let carry = Buffer.alloc(0);
  for await (const chunk of data) {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buf.length >= BLOCK) {
      yield* take(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
    }
    carry = Buffer.from(buf);
  }
  if (carry.length) yield* take(carry);
  yield* flushWrite();
  if (opts.zeroTail) zeroRun += opts.imageSize - offset - zeroRun;
  yield* flushZeros();
  yield Buffer.from('e', 'latin1');
}

export class MalformedDiffError extends Error {}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  #buf = Buffer.alloc(0);
  readonly #it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<void> {
    while (this.#buf.length < n) {
      const next = await this.#it.next();
      if (next.done) throw new MalformedDiffError('rbd diff stream ended early');
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, next.value]) : Buffer.from(next.value);
    }
  }

  async take(n: number): Promise<Buffer> {
    await this.#fill(n);
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Up to `max` bytes (at least one), for streaming a long payload through. */
  async takeSome(max: number): Promise<Buffer> {
    await this.#fill(1);
    return this.take(Math.min(max, this.#buf.length));
  }
}

const ZERO_CHUNK = 1024 * 1024;

function* zeros(length: number): Generator<Buffer> {
  for (let left = length; left > 0; left -= ZERO_CHUNK) yield Buffer.alloc(Math.min(left, ZERO_CHUNK));
}

/** Yields the raw image an rbd diff v1 stream describes (from an empty image), size bytes in all. */
export async function* rbdDiffToRaw(diff: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const r = new ByteReader(diff);
  if (!(await r.take(HEADER.length)).equals(HEADER)) throw new MalformedDiffError('not an rbd diff v1 stream');
  let size: number | undefined;
  let pos = 0;
  for (;;) {
    const tag = String.fromCharCode((await r.take(1))[0]!);
    if (tag === 'e') break;
    if (tag === 'f' || tag === 't') {
      await r.take((await r.take(4)).readUInt32LE(0));
      continue;
    }
    if (tag === 's') {
      size = Number((await r.take(8)).readBigUInt64LE(0));
      continue;
    }
    if (tag !== 'w' && tag !== 'z') throw new MalformedDiffError(`unknown rbd diff record ${JSON.stringify(tag)}`);
    const head = await r.take(16);
    const offset = Number(head.readBigUInt64LE(0));
    const length = Number(head.readBigUInt64LE(8));
    if (offset < pos || (size !== undefined && offset + length > size)) {
      throw new MalformedDiffError(`rbd diff extent ${offset}+${length} out of order or past the end`);
    }
    if (tag === 'z') continue; // zeros: the gap is filled when the next extent or the end comes
    yield* zeros(offset - pos);
    for (let left = length; left > 0; ) {
      const piece = await r.takeSome(Math.min(left, MAX_WRITE));
      left -= piece.length;
      yield piece;
    }
    pos = offset + length;
  }
  if (size === undefined) throw new MalformedDiffError('rbd diff stream without an image size');
  yield* zeros(size - pos);
}
