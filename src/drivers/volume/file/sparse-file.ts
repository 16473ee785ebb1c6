import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';

const ZEROS = Buffer.alloc(1024 * 1024);

function isZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZEROS.length) {
    const end = Math.min(buf.length, off + ZEROS.length);
    if (buf.compare(ZEROS, 0, end - off, off, end) !== 0) return false;
  }
  return true;
}

/**
 * Streams `data` into a new file, leaving holes where the data is zero: volume and image
 * streams are mostly zeros, and the temp file then costs only the space of real data.
 * Fails (and leaves the file for the caller to remove) past `maxBytes`.
 */
export async function writeSparseFile(data: Readable, file: string, opts: { maxBytes?: number } = {}): Promise<number> {
  const fh = await fs.open(file, 'wx');
  let position = 0;
  try {
    for await (const chunk of data) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (opts.maxBytes !== undefined && position + buf.length > opts.maxBytes) {
        data.destroy();
        throw new Error(`data is larger than the volume (${opts.maxBytes} bytes)`);
      }
      if (!isZero(buf)) {
        let done = 0;
        while (done < buf.length) {
          const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
          done += bytesWritten;
        }
      }
      position += buf.length;
    }
    await fh.truncate(position);
  } finally {
    await fh.close();
  }
  return position;
}
