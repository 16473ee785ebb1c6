import { describe, expect, it } from 'vitest';
import { DataExceedsImageError, MalformedDiffError, rawToRbdDiff, rbdDiffToRaw } from './rbd-diff.ts';

type DiffRecord = { tag: 's'; size: number } | { tag: 'w'; offset: number; data: Buffer } | { tag: 'z'; offset: number; length: number };

/** Decodes an rbd diff v1 stream (doc/dev/rbd-diff.rst) into its records. */
function decode(stream: Buffer): DiffRecord[] {
  const header = 'rbd diff v1\n';
  expect(stream.subarray(0, header.length).toString('latin1')).toBe(header);
  const out: DiffRecord[] = [];
  let at = header.length;
  for (;;) {
    const tag = String.fromCharCode(stream[at]!);
    at += 1;
    if (tag === 'e') break;
    if (tag === 's') {
      out.push({ tag, size: Number(stream.readBigUInt64LE(at)) });
      at += 8;
    } else if (tag === 'w' || tag === 'z') {
      const offset = Number(stream.readBigUInt64LE(at));
      const length = Number(stream.readBigUInt64LE(at + 8));
      at += 16;
      if (tag === 'w') {
        out.push({ tag, offset, data: stream.subarray(at, at + length) });
        at += length;
      } else out.push({ tag, offset, length });
    } else throw new Error(`unexpected tag ${tag}`);
  }
  expect(at).toBe(stream.length);
  return out;
}

async function encode(chunks: Buffer[], imageSize: number, zeroTail: boolean): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of rawToRbdDiff(
    (async function* () {
      yield* chunks;
    })(),
    { imageSize, zeroTail },
  )) {
    parts.push(p);
  }
  return Buffer.concat(parts);
}

const K64 = 64 * 1024;

describe('rawToRbdDiff', () => {
  it('writes data blocks, turns zero blocks into zero records and zeroes the tail on request', async () => {
    const data = Buffer.concat([Buffer.alloc(K64, 1), Buffer.alloc(2 * K64), Buffer.alloc(100, 2)]);
    // odd chunking must not change the records
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 3 * K64 + 7), data.subarray(3 * K64 + 7)];
    const records = decode(await encode(chunks, 1024 * 1024, true));
    expect(records.map((r) => (r.tag === 'w' ? { ...r, data: r.data.length } : r))).toEqual([
      { tag: 's', size: 1024 * 1024 },
      { tag: 'w', offset: 0, data: K64 },
      { tag: 'z', offset: K64, length: 2 * K64 },
      { tag: 'w', offset: 3 * K64, data: 100 },
      { tag: 'z', offset: 3 * K64 + 100, length: 1024 * 1024 - 3 * K64 - 100 },
    ]);
    const w = records.filter((r) => r.tag === 'w');
    expect(Buffer.concat(w.map((r) => r.data)).equals(Buffer.concat([Buffer.alloc(K64, 1), Buffer.alloc(100, 2)]))).toBe(true);
  });

  it('merges adjacent data blocks up to 4 MiB per record and leaves the tail alone without zeroTail', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024, 9);
    const records = decode(await encode([data], 8 * 1024 * 1024, false));
    expect(records.map((r) => (r.tag === 'w' ? [r.offset, r.data.length] : r.tag))).toEqual([
      's',
      [0, 4 * 1024 * 1024],
      [4 * 1024 * 1024, 1024 * 1024],
    ]);
  });

  it('emits only a zero record for all-zero input', async () => {
    const records = decode(await encode([Buffer.alloc(3 * K64)], 3 * K64, false));
    expect(records).toEqual([
      { tag: 's', size: 3 * K64 },
      { tag: 'z', offset: 0, length: 3 * K64 },
    ]);
  });

  it('fails when the data is larger than the image', async () => {
    await expect(encode([Buffer.alloc(K64 + 1, 1)], K64, false)).rejects.toBeInstanceOf(DataExceedsImageError);
  });
});

async function decodeToRaw(diff: Buffer, chunk = 7): Promise<Buffer> {
  // tiny chunks: every record boundary falls mid-chunk somewhere
  const pieces = (async function* () {
    for (let at = 0; at < diff.length; at += chunk) yield diff.subarray(at, at + chunk);
  })();
  const out: Buffer[] = [];
  for await (const b of rbdDiffToRaw(pieces)) out.push(b);
  return Buffer.concat(out);
}

describe('rbdDiffToRaw', () => {
  it('rebuilds the raw image, zeros in the gaps and up to the image size', async () => {
    const data = Buffer.concat([Buffer.alloc(1000, 5), Buffer.alloc(3 * K64), Buffer.alloc(K64 + 3, 6)]);
    const size = 6 * K64;
    const raw = await decodeToRaw(await encode([data], size, true), 4099);
    expect(raw.length).toBe(size);
    expect(raw.equals(Buffer.concat([data, Buffer.alloc(size - data.length)]))).toBe(true);
  });

  it('skips snapshot name records and reads records split across chunks', async () => {
    const size = Buffer.alloc(9);
    size.write('s', 0, 'latin1');
    size.writeBigUInt64LE(10n, 1);
    const w = Buffer.alloc(17);
    w.write('w', 0, 'latin1');
    w.writeBigUInt64LE(4n, 1);
    w.writeBigUInt64LE(3n, 9);
    const name = Buffer.from('snap1');
    const t = Buffer.concat([Buffer.from('t'), Buffer.from([name.length, 0, 0, 0]), name]);
    const diff = Buffer.concat([Buffer.from('rbd diff v1\n'), t, size, w, Buffer.from('abc'), Buffer.from('e')]);
    expect((await decodeToRaw(diff, 1)).equals(Buffer.from([0, 0, 0, 0, 97, 98, 99, 0, 0, 0]))).toBe(true);
  });

  it('rejects streams that are not diffs, end early or go backwards', async () => {
    await expect(decodeToRaw(Buffer.from('rbd image v2\n'))).rejects.toBeInstanceOf(MalformedDiffError);
    const whole = await encode([Buffer.alloc(100, 1)], K64, false);
    await expect(decodeToRaw(whole.subarray(0, whole.length - 1))).rejects.toBeInstanceOf(MalformedDiffError);
    const rec = (offset: number) => {
      const b = Buffer.alloc(20);
      b.write('w', 0, 'latin1');
      b.writeBigUInt64LE(BigInt(offset), 1);
      b.writeBigUInt64LE(3n, 9);
      return b;
    };
    const size = Buffer.alloc(9);
    size.write('s', 0, 'latin1');
    size.writeBigUInt64LE(100n, 1);
    const backwards = Buffer.concat([Buffer.from('rbd diff v1\n'), size, rec(10), rec(5), Buffer.from('e')]);
    await expect(decodeToRaw(backwards)).rejects.toThrow(/out of order/);
  });
});
