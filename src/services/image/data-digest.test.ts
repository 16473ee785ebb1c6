import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DigestStream, DigestWriter, ImageDataTruncated, ImageSizeLimitExceeded } from './data-digest.ts';

/** Streams `data` in chunks of the given sizes (cycled) through a DigestStream; returns what came out. */
async function digestOf(data: Buffer, chunkSizes: number[], limits?: ConstructorParameters<typeof DigestStream>[0]) {
  const chunks: Buffer[] = [];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = chunkSizes[i % chunkSizes.length]!;
    chunks.push(data.subarray(off, off + n));
    off += n;
  }
  const out: Buffer[] = [];
  const digest = new DigestStream(limits);
  await pipeline(
    Readable.from(chunks),
    digest,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return { digest: digest.digest, out: Buffer.concat(out) };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('DigestStream', () => {
  it('passes the data through unchanged and gives its size, md5 and sha512', async () => {
    // Several MiB in odd chunk sizes: batches to the hashing threads split mid-chunk and the
    // last batch is short.
    const data = randomBytes(5 * 1024 * 1024 + 12_345);
    const { digest, out } = await digestOf(data, [65_536, 1, 300_001, 7]);
    expect(out.equals(data)).toBe(true);
    expect(digest).toEqual({ size: data.length, checksum: md5(data), multihash: sha512(data) });
  });

  it('digests empty data', async () => {
    const { digest } = await digestOf(Buffer.alloc(0), [1]);
    expect(digest).toEqual({ size: 0, checksum: md5(Buffer.alloc(0)), multihash: sha512(Buffer.alloc(0)) });
  });

  it('keeps concurrent streams apart', async () => {
    const a = randomBytes(3 * 1024 * 1024);
    const b = randomBytes(2 * 1024 * 1024 + 1);
    const [da, db] = await Promise.all([digestOf(a, [65_536]), digestOf(b, [10_000])]);
    expect(da.digest.checksum).toBe(md5(a));
    expect(db.digest.checksum).toBe(md5(b));
    expect(da.digest.multihash).toBe(sha512(a));
    expect(db.digest.multihash).toBe(sha512(b));
  });

  it('fails as soon as more than maxBytes arrive', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    await expect(digestOf(data, [65_536], { maxBytes: 1024 * 1024 })).rejects.toBeInstanceOf(ImageSizeLimitExceeded);
  });

  it('fails at the end when fewer bytes than announced arrived, or more', async () => {
    const data = randomBytes(100_000);
    await expect(digestOf(data, [4096], { expectedSize: 100_001 })).rejects.toBeInstanceOf(ImageDataTruncated);
    await expect(digestOf(data, [4096], { expectedSize: 99_999 })).rejects.toBeInstanceOf(ImageSizeLimitExceeded);
  });

  it('still digests correctly after a stream was abandoned midway', async () => {
    const digest = new DigestStream();
    const failed = new Promise((r) => digest.once('error', r));
    const closed = new Promise((r) => digest.once('close', r));
    digest.write(randomBytes(2 * 1024 * 1024));
    digest.destroy(new Error('client went away'));
    expect(((await failed) as Error).message).toBe('client went away');
    await closed;
    expect(() => digest.digest).toThrow(/not ended/);
    const data = randomBytes(1024 * 1024 + 3);
    expect((await digestOf(data, [65_536])).digest.checksum).toBe(md5(data));
  });

  it('does not drain a source faster than its output is read', async () => {
    // Nothing reads the output; the source must not be pulled into memory meanwhile.
    const digest = new DigestStream();
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 65_536;
        this.push(produced > 64 * 1024 * 1024 ? null : randomBytes(65_536));
      },
    });
    source.pipe(digest);
    await new Promise((r) => setTimeout(r, 300));
    expect(produced).toBeLessThan(4 * 1024 * 1024);
    source.unpipe(digest);
    source.destroy();
    digest.destroy();
  });

  it('lets a process exit once its digests are done, and not before', async () => {
    // A script that digests and then has nothing left to do: it must print the digest (the
    // threads kept it alive while hashing) and then exit on its own (they no longer do).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'digest-exit-'));
    const script = path.join(dir, 'digest.mts');
    fs.writeFileSync(
      script,
      `import { Readable, Writable } from 'node:stream';
       import { pipeline } from 'node:stream/promises';
       import { DigestStream } from ${JSON.stringify(path.resolve(import.meta.dirname, 'data-digest.ts'))};
       const d = new DigestStream();
       await pipeline(Readable.from([Buffer.alloc(3 << 20, 1)]), d, new Writable({ write: (_c, _e, cb) => cb() }));
       console.log(d.digest.checksum);`,
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', script], { timeout: 60_000, cwd: import.meta.dirname }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        );
      });
      expect(out.trim()).toBe(md5(Buffer.alloc(3 << 20, 1)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Chunks of `data` in the given sizes (cycled). */
function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < data.length; i++) {
    out.push(data.subarray(off, off + sizes[i % sizes.length]!));
    off += sizes[i % sizes.length]!;
  }
  return out;
}

describe('DigestWriter', () => {
  it('hands the data to its write in order, a MiB at a time, and digests it', async () => {
    const data = randomBytes(4 * 1024 * 1024 + 777);
    const writes: Buffer[] = [];
    const writer = new DigestWriter(async (chunk) => {
      await new Promise((r) => setTimeout(r, 1));
      // The buffer is lent only until the promise settles: keep a copy.
      writes.push(Buffer.from(chunk));
    });
    await pipeline(Readable.from(chunked(data, [65_536, 3, 200_000])), writer);
    expect(Buffer.concat(writes).equals(data)).toBe(true);
    expect(writes.map((w) => w.length)).toEqual([1 << 20, 1 << 20, 1 << 20, 1 << 20, 777]);
    expect(writer.digest).toEqual({ size: data.length, checksum: md5(data), multihash: sha512(data) });
  });

  it('fails with the error of a write, and the next streams still digest correctly', async () => {
    const writer = new DigestWriter(async () => {
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    });
    await expect(pipeline(Readable.from(chunked(randomBytes(12 * 1024 * 1024), [65_536])), writer)).rejects.toThrow('disk full');
    // All slots of the pool came back: more than the pool's worth of data digests fine.
    const data = randomBytes(20 * 1024 * 1024);
    const ok = new DigestWriter(async () => undefined);
    await pipeline(Readable.from(chunked(data, [65_536])), ok);
    expect(ok.digest.checksum).toBe(md5(data));
  });

  it('applies the size limits', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const sink = async () => undefined;
    await expect(pipeline(Readable.from(chunked(data, [65_536])), new DigestWriter(sink, { maxBytes: 1024 * 1024 }))).rejects.toBeInstanceOf(
      ImageSizeLimitExceeded,
    );
    await expect(pipeline(Readable.from(chunked(data, [65_536])), new DigestWriter(sink, { expectedSize: data.length + 1 }))).rejects.toBeInstanceOf(
      ImageDataTruncated,
    );
  });

  it('does not take more data than a few MiB ahead of a write that does not finish', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const writer = new DigestWriter(() => stuck);
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 65_536;
        this.push(produced > 256 * 1024 * 1024 ? null : randomBytes(65_536));
      },
    });
    source.pipe(writer);
    await new Promise((r) => setTimeout(r, 500));
    // 8 slots of 1 MiB plus the stream buffers: far below the 256 MiB on offer.
    expect(produced).toBeLessThan(16 * 1024 * 1024);
    source.unpipe(writer);
    source.destroy();
    const closed = new Promise((r) => writer.once('close', r));
    writer.destroy();
    release();
    await closed;
  });
});
