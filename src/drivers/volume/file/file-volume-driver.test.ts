import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackages } from '../../../../scripts/ensure-packages.js';
import { describeVolumeDriverContract, pattern } from '../../../services/block-storage/test/volume-driver-contract.ts';
import { run } from './command.ts';
import { backendLeftovers, checkBackendDirectory, readThroughConnection, tempFileDriver } from './file-driver-testing.ts';
import type { FileVolumeDriver } from './file-volume-driver.ts';
import { readQcow2Header } from './qcow2-header.ts';
import { qemuImg } from './qemu-img.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

beforeAll(() => ensurePackages(['qemu-utils']), 20 * 60_000);

for (const format of ['qcow2', 'raw'] as const) {
  describeVolumeDriverContract(`file (${format}, file connections)`, async () => {
    const { driver, dir } = tempFileDriver({ format });
    return {
      driver,
      readThroughConnection,
      verifyBackend: () => checkBackendDirectory(dir),
      leftovers: async () => backendLeftovers(dir),
      close: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  });
}

function names(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith(prefix)).sort();
}

async function readAll(driver: FileVolumeDriver, id: string, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of await driver.readVolume({ id, sizeGb: 1 })) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= length) break;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

describe('file volume driver: qcow2 copy-on-write files', () => {
  let driver: FileVolumeDriver;
  let dir: string;

  beforeAll(async () => {
    ({ driver, dir } = tempFileDriver({ format: 'qcow2', capacityGb: 50 }));
    await driver.start();
  });
  afterAll(async () => {
    await driver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('snapshots by freezing the volume file under the overlay that carries on', async () => {
    const v = { id: randomUUID(), sizeGb: 1 };
    await driver.createVolume(v);
    await driver.writeVolume(v, Readable.from([pattern(1, MiB)]));
    const snap = { id: randomUUID(), volume: v };
    const loc = await driver.createSnapshot(snap);
    expect(loc.format).toBe('qcow2');
    const link = path.join(dir, `snapshot-${snap.id}.qcow2`);
    const frozen = fs.readlinkSync(link);
    expect(frozen).toMatch(/^frozen-.+\.qcow2$/);
    expect((await readQcow2Header(path.join(dir, `volume-${v.id}.qcow2`))).backingFile).toBe(frozen);
    // the overlay is empty: no data was copied
    expect(await qemuImg.allocatedClusters(path.join(dir, `volume-${v.id}.qcow2`))).toBe(0);

    // deleting the only snapshot merges the frozen file back: nothing is left behind
    await driver.deleteSnapshot(snap);
    expect(names(dir, 'frozen-')).toEqual([]);
    expect((await readQcow2Header(path.join(dir, `volume-${v.id}.qcow2`))).backingFile).toBeUndefined();
    expect((await readAll(driver, v.id, MiB)).equals(pattern(1, MiB))).toBe(true);
    await driver.deleteVolume(v);
  });

  it('clones an idle volume repeatedly without lengthening its chain', async () => {
    const src = { id: randomUUID(), sizeGb: 1 };
    await driver.createVolume(src);
    await driver.writeVolume(src, Readable.from([pattern(2, MiB)]));
    const clones = [1, 2, 3].map(() => ({ id: randomUUID(), sizeGb: 1 }));
    for (const c of clones) await driver.cloneVolume(c, src);
    expect(names(dir, 'frozen-')).toHaveLength(1);
    const base = names(dir, 'frozen-')[0];
    for (const v of [src, ...clones]) expect((await readQcow2Header(path.join(dir, `volume-${v.id}.qcow2`))).backingFile).toBe(base);

    // the shared base goes when its last user does, and not before
    for (const v of [src, clones[0]!, clones[1]!]) await driver.deleteVolume(v);
    expect((await readAll(driver, clones[2]!.id, MiB)).equals(pattern(2, MiB))).toBe(true);
    await driver.deleteVolume(clones[2]!);
    expect(names(dir, 'frozen-')).toEqual([]);
    await checkBackendDirectory(dir);
  });

  it('cleans up after a crash: tmp files at start, stray frozen links at the next collection', async () => {
    const v = { id: randomUUID(), sizeGb: 1 };
    await driver.createVolume(v);
    await driver.writeVolume(v, Readable.from([pattern(3, MiB)]));
    // a freeze interrupted after its hard link, and a conversion interrupted mid-way
    fs.linkSync(path.join(dir, `volume-${v.id}.qcow2`), path.join(dir, `frozen-${randomUUID()}.qcow2`));
    fs.writeFileSync(path.join(dir, `tmp-${randomUUID()}.qcow2`), 'partial');
    await driver.stop();
    await driver.start();
    expect(names(dir, 'tmp-')).toEqual([]);
    expect(names(dir, 'frozen-')).toEqual([]);
    expect((await readAll(driver, v.id, MiB)).equals(pattern(3, MiB))).toBe(true);
    await driver.deleteVolume(v);
  });

  it('refuses image data that names a backing file or does not fit the volume', async () => {
    const work = fs.mkdtempSync(path.join(dir, '..', 'strata-img-'));
    try {
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(work, 'base.qcow2'), '1M']);
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', '/etc/passwd', '-u', path.join(work, 'evil.qcow2'), '1M']);
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(work, 'big.qcow2'), '2G']);
      const v = { id: randomUUID(), sizeGb: 1 };
      const from = (file: string) => ({ data: fs.createReadStream(path.join(work, file)), diskFormat: 'qcow2', sizeBytes: fs.statSync(path.join(work, file)).size });
      await expect(driver.createVolumeFromImage(v, from('evil.qcow2'))).rejects.toThrow(/backing/);
      await expect(driver.createVolumeFromImage(v, from('big.qcow2'))).rejects.toThrow(/does not fit/);
      await expect(driver.createVolumeFromImage(v, { ...from('base.qcow2'), diskFormat: 'ploop' })).rejects.toThrow(/disk format/);
      // a download cut short is not taken for the whole image
      await expect(driver.createVolumeFromImage(v, { ...from('base.qcow2'), sizeBytes: 10 * 1024 ** 2 })).rejects.toThrow(/ended after/);
      // qcow2 bytes declared raw stay raw bytes: the format is never probed
      await driver.createVolumeFromImage(v, { ...from('base.qcow2'), diskFormat: 'raw' });
      expect((await readAll(driver, v.id, 4)).toString('latin1')).toBe('QFI\xfb');
      expect(names(dir, 'tmp-')).toEqual([]);
      await driver.deleteVolume(v);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses restore data larger than the volume, leaving the volume as it was', async () => {
    const v = { id: randomUUID(), sizeGb: 1 };
    await driver.createVolume(v);
    await driver.writeVolume(v, Readable.from([pattern(4, MiB)]));
    async function* tooBig() {
      for (let i = 0; i < 1024; i++) yield Buffer.alloc(MiB);
      yield Buffer.from('x');
    }
    await expect(driver.writeVolume(v, Readable.from(tooBig()))).rejects.toThrow(/larger than the volume/);
    expect((await readAll(driver, v.id, MiB)).equals(pattern(4, MiB))).toBe(true);
    expect(names(dir, 'tmp-')).toEqual([]);
    await driver.deleteVolume(v);
  });

  it('reports the configured capacity and the volumes provisioned', async () => {
    const v = { id: randomUUID(), sizeGb: 3 };
    await driver.createVolume(v);
    const stats = await driver.stats();
    expect(stats).toMatchObject({ backendName: 'file', storageProtocol: 'file', totalCapacityGb: 50, thinProvisioning: true });
    expect(stats.provisionedCapacityGb).toBe(3);
    expect(stats.freeCapacityGb).toBeGreaterThan(49);
    await driver.extendVolume(v, 5);
    expect((await driver.stats()).provisionedCapacityGb).toBe(5);
    await driver.deleteVolume(v);
  });

  it('rejects ids that are not safe file names', async () => {
    await expect(driver.createVolume({ id: '../escape', sizeGb: 1 })).rejects.toThrow(/invalid volume id/);
  });
});

describe('file volume driver: raw files', () => {
  it('snapshots and clones raw volumes as full sparse copies', async () => {
    const { driver, dir } = tempFileDriver({ format: 'raw' });
    await driver.start();
    try {
      const v = { id: randomUUID(), sizeGb: 1 };
      await driver.createVolume(v);
      await driver.writeVolume(v, Readable.from([pattern(5, MiB)]));
      await driver.createSnapshot({ id: 's1', volume: v });
      const snapFile = path.join(dir, 'snapshot-s1.raw');
      expect(fs.lstatSync(snapFile).isFile()).toBe(true);
      expect(fs.statSync(snapFile).size).toBe(GiB);
      // sparse: the copy holds about the written MiB, not the GiB
      expect(fs.statSync(snapFile).blocks * 512).toBeLessThan(16 * MiB);
      const info = await qemuImg.info(path.join(dir, `volume-${v.id}.raw`), 'raw');
      expect(info.virtualSize).toBe(GiB);
      expect(names(dir, 'frozen-')).toEqual([]);
    } finally {
      await driver.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
