import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ddRead, ddWrite, evictFromPageCache, filesystemOf, freeBytes, pageCacheResidentBytes } from './disk-io.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-disk-io-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('disk-io', () => {
  it('copies with dd, durably, and reads the copy back', async () => {
    const src = path.join(dir, 'src');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    fs.writeFileSync(src, data);
    const w = await ddWrite(src, path.join(dir, 'dst'), { sync: true });
    expect(w.seconds).toBeGreaterThan(0);
    expect(w.report).toMatch(/bytes/);
    expect(fs.readFileSync(path.join(dir, 'dst')).equals(data)).toBe(true);
    const r = await ddRead(path.join(dir, 'dst'), { direct: false });
    expect(r.report).toMatch(/^3145745 bytes/);
  });

  it('evicts a synced file from the page cache', async () => {
    const file = path.join(dir, 'cached');
    fs.writeFileSync(file, randomBytes(8 * 1024 * 1024));
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.readFileSync(file);
    const before = await pageCacheResidentBytes(file);
    if (before === undefined) throw new Error('fincore (util-linux) is missing');
    expect(before).toBeGreaterThan(0);
    await evictFromPageCache(file);
    expect(await pageCacheResidentBytes(file)).toBe(0);
  });

  it('names the filesystem and its free space', () => {
    expect(filesystemOf(dir)).not.toBe('unknown');
    expect(freeBytes(dir)).toBeGreaterThan(0);
  });

  it('fails loudly when dd cannot read its input', async () => {
    await expect(ddRead(path.join(dir, 'missing'), { direct: false })).rejects.toThrow(/dd .*failed/);
  });
});
