import type { Readable } from 'node:stream';

/** Cuts a byte stream into `size`-byte pieces (the last may be shorter), one buffer at a time. */
export async function* fixedChunks(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const c of stream) {
    let chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    while (pendingLength + chunk.length >= size) {
      const take = size - pendingLength;
      pending.push(chunk.subarray(0, take));
      yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
      chunk = chunk.subarray(take);
      pending = [];
      pendingLength = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingLength += chunk.length;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength);
}

export function isAllZero(buf: Buffer): boolean {
  // compare against zeros in bounded slices so no buffer as big as a chunk is allocated per call
  const step = ZEROS.length;
  for (let off = 0; off < buf.length; off += step) {
    const end = Math.min(buf.length, off + step);
    if (buf.compare(ZEROS, 0, end - off, off, end) !== 0) return false;
  }
  return true;
}

const ZEROS = Buffer.alloc(1024 * 1024);
