import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackupDriverContract } from '../../../services/block-storage/test/backup-driver-contract.ts';
import { fixedChunks } from './chunks.ts';
import { FileBackupDriver } from './file-backup-driver.ts';

const MiB = 1024 ** 2;

describeBackupDriverContract('file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-backups-'));
  return { driver: new FileBackupDriver({ dir: path.join(dir, 'backups') }), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describe('fixedChunks', () => {
  it('cuts uneven input into equal chunks and a short tail', async () => {
    const input = Readable.from([Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(1, 3), Buffer.alloc(0)]);
    const out: Buffer[] = [];
    for await (const c of fixedChunks(input, 4)) out.push(c);
    expect(out.map((b) => b.length)).toEqual([4, 4, 4, 2]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat([Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(1, 3)]));
  });
});

describe('file backup driver', () => {
  let dir: string;
  let driver: FileBackupDriver;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-backups-'));
    driver = new FileBackupDriver({ dir, chunkBytes: MiB });
    await driver.start();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const data = (seedAt: ReadonlyArray<readonly [number, number]>, length = 8 * MiB) => {
    const buf = Buffer.alloc(length);
    for (const [offset, seed] of seedAt) buf.fill(seed, offset, offset + 1000);
    return buf;
  };

  it('stores only changed chunks in an incremental backup, compressed, zeros not at all', async () => {
    const base = data([[0, 1], [3 * MiB, 2], [6 * MiB, 3]]);
    const full = { id: randomUUID(), volumeId: 'v', sizeGb: 1 };
    const f = await driver.backup(full, Readable.from([base]));
    expect(f.objectCount).toBe(3);
    const changed = Buffer.from(base);
    changed.fill(9, 3 * MiB + 10, 3 * MiB + 20);
    const inc = { id: randomUUID(), volumeId: 'v', sizeGb: 1, parent: { id: full.id, location: f.location } };
    const i = await driver.backup(inc, Readable.from([changed]));
    expect(i.objectCount).toBe(1);
    expect(fs.readdirSync(path.join(dir, inc.id, 'chunks'))).toEqual(['00000003.z']);
    // compressed: a MiB chunk of mostly one byte value takes a few KiB
    expect(fs.statSync(path.join(dir, inc.id, 'chunks', '00000003.z')).size).toBeLessThan(16 * 1024);

    // an incremental of the incremental points straight at the full backup's chunks
    const inc2 = { id: randomUUID(), volumeId: 'v', sizeGb: 1, parent: { id: inc.id, location: i.location } };
    const i2 = await driver.backup(inc2, Readable.from([changed]));
    expect(i2.objectCount).toBe(0);
    const m = await driver.manifest(inc2.id);
    expect(m?.chunks.filter((c) => c.in).map((c) => c.in)).toEqual([full.id, inc.id, full.id]);

    // the parent of a live incremental cannot go; deleting leaf-first works
    await expect(driver.delete(full)).rejects.toThrow(/dependent incremental/);
    await expect(driver.delete(inc)).rejects.toThrow(/dependent incremental/);
    await driver.delete(inc2);
    await driver.delete(inc);
    await driver.delete(full);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('redoes a backup that died before its manifest', async () => {
    const b = { id: randomUUID(), volumeId: 'v', sizeGb: 1 };
    fs.mkdirSync(path.join(dir, b.id, 'chunks'), { recursive: true });
    fs.writeFileSync(path.join(dir, b.id, 'chunks', '00000007.z'), 'garbage');
    const content = data([[MiB, 5]]);
    await driver.backup(b, Readable.from([content]));
    expect(fs.readdirSync(path.join(dir, b.id, 'chunks'))).toEqual(['00000001.z']);
    const parts: Buffer[] = [];
    for await (const c of await driver.restore(b)) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
    await driver.delete(b);
  });

  it('detects a corrupted chunk on restore', async () => {
    const b = { id: randomUUID(), volumeId: 'v', sizeGb: 1 };
    await driver.backup(b, Readable.from([data([[0, 7]])]));
    const zlib = await import('node:zlib');
    fs.writeFileSync(path.join(dir, b.id, 'chunks', '00000000.z'), zlib.deflateSync(Buffer.alloc(MiB, 8)));
    const read = async () => {
      for await (const _ of await driver.restore(b)) void _;
    };
    await expect(read()).rejects.toThrow(/corrupt/);
    await driver.delete(b);
  });

  it('refuses ids that are not plain names', async () => {
    await expect(driver.backup({ id: '../x', volumeId: 'v', sizeGb: 1 }, Readable.from([Buffer.alloc(1)]))).rejects.toThrow(/invalid backup id/);
  });
});
