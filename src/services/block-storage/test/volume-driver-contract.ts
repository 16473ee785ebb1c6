import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackages } from '../../../../scripts/ensure-packages.js';
import type { ConnectionInfo, ProviderLocation, SnapshotRef, VolumeDriver, VolumeRef } from '../drivers.ts';

/**
 * The one suite every VolumeDriver passes (DESIGN.md: the fake and every real
 * implementation pass the same driver test suite). A driver's test file calls
 * describeVolumeDriverContract with a factory; what differs between backends is declared in
 * the subject, never special-cased here.
 */
export interface VolumeDriverSubject {
  readonly driver: VolumeDriver;
  /**
   * Reads the first `length` bytes of a volume through what initializeConnection returned,
   * the way a hypervisor would (iSCSI login, RBD client, file open): proves the export.
   */
  readThroughConnection?(info: ConnectionInfo, length: number): Promise<Buffer>;
  /** Backend-level consistency after every test (e.g. `qemu-img check` of every file). */
  verifyBackend?(): Promise<void>;
  /**
   * What the backend still holds of the given volume and snapshot ids (file names, RBD
   * image names): once the suite deleted them all, anything listed leaked.
   */
  leftovers?(ids: readonly string[]): Promise<string[]>;
  /** Removes what the subject made (directories, daemons), after driver.stop(). */
  close(): Promise<void>;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const execFileP = promisify(execFile);

/** Deterministic non-zero bytes, different per seed. */
export function pattern(seed: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = (x & 0xff) | 1;
  }
  return buf;
}

const ZEROS = Buffer.alloc(MiB);

function isZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZEROS.length) {
    const end = Math.min(buf.length, off + ZEROS.length);
    if (buf.compare(ZEROS, 0, end - off, off, end) !== 0) return false;
  }
  return true;
}

/**
 * Reads a volume stream: its first `prefixLength` bytes and whether what follows is zero.
 * `whole` reads to the end and reports the length; otherwise reading stops one MiB past the
 * prefix (volumes are GiBs of mostly zeros; streaming all of each would dominate the suite).
 */
async function readVolume(driver: VolumeDriver, volume: VolumeRef, prefixLength: number, whole: boolean) {
  const stream = await driver.readVolume(volume);
  const head: Buffer[] = [];
  let headLength = 0;
  let total = 0;
  let restIsZero = true;
  for await (const c of stream) {
    const chunk = c as Buffer;
    let from = 0;
    if (headLength < prefixLength) {
      const take = Math.min(prefixLength - headLength, chunk.length);
      head.push(chunk.subarray(0, take));
      headLength += take;
      from = take;
    }
    if (restIsZero && from < chunk.length && !isZero(chunk.subarray(from))) restIsZero = false;
    total += chunk.length;
    if (!whole && total >= prefixLength + MiB) {
      stream.destroy();
      break;
    }
  }
  return { prefix: Buffer.concat(head), total, restIsZero };
}

/**
 * Asserts the volume holds `data` at offset 0 and zeros after it; with `whole`, also that
 * the stream is as long as the data or as the whole volume, nothing in between.
 */
async function expectContent(driver: VolumeDriver, volume: VolumeRef, data: Buffer, whole = false): Promise<void> {
  const got = await readVolume(driver, volume, data.length, whole);
  expect(got.prefix.equals(data), `content of volume ${volume.id}`).toBe(true);
  expect(got.restIsZero, `bytes after the written data in ${volume.id}`).toBe(true);
  if (whole) expect([data.length, volume.sizeGb * GiB]).toContain(got.total);
}

function write(driver: VolumeDriver, volume: VolumeRef, data: Buffer): Promise<void> {
  return driver.writeVolume(volume, Readable.from([data]));
}

/** Glance disk formats qemu-img can write, with its name for each: the image data the suite makes. */
const IMAGE_FORMATS: readonly (readonly [diskFormat: string, qemuFormat: string])[] = [
  ['qcow2', 'qcow2'],
  ['vmdk', 'vmdk'],
  ['vdi', 'vdi'],
  ['vhd', 'vpc'],
  ['vhdx', 'vhdx'],
];

/** `raw` as an image file of another format, in a temp directory the caller removes. */
async function makeImage(raw: Buffer, qemuFormat: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-contract-'));
  fs.writeFileSync(path.join(dir, 'image.raw'), raw);
  const file = path.join(dir, `image.${qemuFormat}`);
  await execFileP('qemu-img', ['convert', '-q', '-f', 'raw', '-O', qemuFormat, path.join(dir, 'image.raw'), file]);
  return file;
}

export function describeVolumeDriverContract(name: string, makeSubject: () => Promise<VolumeDriverSubject>): void {
  describe(`VolumeDriver contract: ${name}`, () => {
    let s: VolumeDriverSubject;
    let driver: VolumeDriver;
    const created: VolumeRef[] = [];
    const snapshots: SnapshotRef[] = [];

    const newVolume = (sizeGb = 1): VolumeRef => {
      const v = { id: randomUUID(), sizeGb };
      created.push(v);
      return v;
    };
    const withLocation = (v: VolumeRef, providerLocation: ProviderLocation): VolumeRef => ({ ...v, providerLocation });
    const newSnapshot = (volume: VolumeRef): SnapshotRef => {
      const snap = { id: randomUUID(), volume };
      snapshots.push(snap);
      return snap;
    };

    beforeAll(async () => {
      // the suite makes its qcow2/vmdk/... image data with qemu-img, whatever the backend
      ensurePackages(['qemu-utils']);
      s = await makeSubject();
      driver = s.driver;
      await driver.start();
    }, 600_000);

    /** Deletes what the tests made (snapshots first, as Cinder orders it). */
    const cleanUp = async () => {
      for (const snap of snapshots.splice(0)) await driver.deleteSnapshot(snap);
      for (const v of created.splice(0)) await driver.deleteVolume(v);
    };

    afterEach(async () => {
      // check the backend as each test left it, then again once its resources are gone
      await s.verifyBackend?.();
      const ids = [...created.map((v) => v.id), ...snapshots.map((snap) => snap.id)];
      await cleanUp();
      await s.verifyBackend?.();
      if (s.leftovers) expect(await s.leftovers(ids), 'what the backend kept of deleted volumes and snapshots').toEqual([]);
    }, 120_000);

    afterAll(async () => {
      if (!s) return;
      await cleanUp().catch(() => {});
      await driver.stop();
      await s.close();
    }, 120_000);

    it('creates a volume idempotently, empty, and counts it in its stats', async () => {
      const before = await driver.stats();
      const v = newVolume();
      const loc1 = await driver.createVolume(v);
      const loc2 = await driver.createVolume(v);
      expect(loc2).toEqual(loc1);
      await expectContent(driver, withLocation(v, loc1), Buffer.alloc(0), true);
      const after = await driver.stats();
      expect(after.backendName).toBe(driver.backendName);
      for (const n of [after.totalCapacityGb, after.freeCapacityGb, after.provisionedCapacityGb]) {
        expect(Number.isFinite(n) && n >= 0).toBe(true);
      }
      expect(after.freeCapacityGb).toBeLessThanOrEqual(after.totalCapacityGb);
      expect(after.provisionedCapacityGb).toBeGreaterThanOrEqual(before.provisionedCapacityGb + 1 - 0.01);
    });

    it('reads back what writeVolume wrote, and a second write replaces the first', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const a = pattern(1, 3 * MiB + 123);
      await write(driver, v, a);
      await expectContent(driver, v, a);
      const b = pattern(2, MiB);
      await write(driver, v, b);
      await expectContent(driver, v, b);
    });

    it('extends idempotently and keeps the content', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const a = pattern(3, 2 * MiB);
      await write(driver, v, a);
      const before = await driver.stats();
      await driver.extendVolume(v, 2);
      await driver.extendVolume(v, 2);
      const after = await driver.stats();
      expect(after.provisionedCapacityGb).toBeCloseTo(before.provisionedCapacityGb + 1, 2);
      await expectContent(driver, { ...v, sizeGb: 2 }, a);
    });

    it('deletes idempotently, and a deleted volume can no longer be read', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      await driver.deleteVolume(v);
      await driver.deleteVolume(v);
      await driver.deleteVolume({ id: randomUUID(), sizeGb: 1 });
      await expect(driver.readVolume(v)).rejects.toThrow();
    });

    it('keeps snapshot content independent of later writes, also after the snapshot is deleted', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const a = pattern(10, 2 * MiB);
      await write(driver, v, a);
      const snap = newSnapshot(v);
      const sloc1 = await driver.createSnapshot(snap);
      expect(await driver.createSnapshot(snap)).toEqual(sloc1);
      const b = pattern(11, MiB);
      await write(driver, v, b);

      const fromSnap = newVolume(2);
      const loc1 = await driver.createVolumeFromSnapshot(fromSnap, { ...snap, providerLocation: sloc1 });
      expect(await driver.createVolumeFromSnapshot(fromSnap, snap)).toEqual(loc1);
      await expectContent(driver, fromSnap, a);
      await expectContent(driver, v, b);

      const c = pattern(12, 512 * 1024);
      await write(driver, fromSnap, c);
      await expectContent(driver, v, b);

      await driver.deleteSnapshot(snap);
      await driver.deleteSnapshot(snap);
      await expectContent(driver, fromSnap, c);
      await expectContent(driver, v, b);

      // a second snapshot after the first is gone, and the source deleted under its child
      const snap2 = newSnapshot(v);
      await driver.createSnapshot(snap2);
      const fromSnap2 = newVolume();
      await driver.createVolumeFromSnapshot(fromSnap2, snap2);
      await driver.deleteVolume(v);
      await expectContent(driver, fromSnap2, b);
      const fromSnap2b = newVolume();
      await driver.createVolumeFromSnapshot(fromSnap2b, snap2);
      await expectContent(driver, fromSnap2b, b);
    });

    it('keeps every snapshot of a chain right when snapshots in the middle are deleted', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const contents = [pattern(20, MiB), pattern(21, 2 * MiB), pattern(22, MiB + 7)];
      const snaps: SnapshotRef[] = [];
      for (const data of contents) {
        await write(driver, v, data);
        const snap = newSnapshot(v);
        await driver.createSnapshot(snap);
        snaps.push(snap);
      }
      const last = pattern(23, 3 * MiB);
      await write(driver, v, last);
      await driver.deleteSnapshot(snaps[1]!);
      await driver.deleteSnapshot(snaps[0]!);
      const fromLast = newVolume();
      await driver.createVolumeFromSnapshot(fromLast, snaps[2]!);
      await expectContent(driver, fromLast, contents[2]!);
      await expectContent(driver, v, last);
      await driver.deleteSnapshot(snaps[2]!);
      await expectContent(driver, fromLast, contents[2]!);
      await expectContent(driver, v, last);
    });

    it('clones a volume independently of later writes to either side', async () => {
      const src = newVolume();
      await driver.createVolume(src);
      const a = pattern(30, 2 * MiB);
      await write(driver, src, a);
      const clone = newVolume(2);
      const loc1 = await driver.cloneVolume(clone, src);
      expect(await driver.cloneVolume(clone, src)).toEqual(loc1);
      const b = pattern(31, MiB);
      await write(driver, src, b);
      await expectContent(driver, clone, a);
      const c = pattern(32, MiB);
      await write(driver, clone, c);
      await expectContent(driver, src, b);

      // clones of an idle volume, and a clone of a clone after its source is gone
      const twin1 = newVolume();
      const twin2 = newVolume();
      await driver.cloneVolume(twin1, src);
      await driver.cloneVolume(twin2, src);
      const grand = newVolume(2);
      await driver.cloneVolume(grand, clone);
      await driver.deleteVolume(clone);
      await driver.deleteVolume(src);
      await expectContent(driver, twin1, b);
      await expectContent(driver, twin2, b);
      await expectContent(driver, grand, c);
    });

    it('creates a volume from raw image data, idempotently', async () => {
      const data = pattern(40, 3 * MiB + 512);
      const v = newVolume();
      const image = () => ({ data: Readable.from([data.subarray(0, MiB), data.subarray(MiB)]), diskFormat: 'raw', sizeBytes: data.length });
      const loc1 = await driver.createVolumeFromImage(v, image());
      expect(await driver.createVolumeFromImage(v, image())).toEqual(loc1);
      await expectContent(driver, v, data);
    });

    it('turns image data of every disk format it declares into the content it holds, and refuses the others', async () => {
      expect(driver.imageDiskFormats).toContain('raw');
      const data = pattern(41, 2 * MiB + 4096);
      for (const [diskFormat, qemuFormat] of IMAGE_FORMATS) {
        const file = await makeImage(data, qemuFormat);
        const bytes = fs.readFileSync(file);
        // in 64 KiB chunks, as a download arrives
        const stream = Readable.from(Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)));
        try {
          const v = newVolume();
          const create = () =>
            driver.createVolumeFromImage(v, { data: stream, diskFormat, sizeBytes: bytes.length });
          if (driver.imageDiskFormats.includes(diskFormat)) {
            await create();
            await expectContent(driver, v, data);
          } else {
            // never the container's bytes as the disk's content
            await expect(create(), `${diskFormat} image data`).rejects.toThrow(new RegExp(diskFormat));
            await expect(driver.readVolume(v)).rejects.toThrow();
          }
        } finally {
          stream.destroy();
          fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
      }
    });

    it('gives connection info of a known shape, idempotently, per connector', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const data = pattern(50, 64 * 1024);
      await write(driver, v, data);
      const hostA = { host: 'compute-a', initiator: 'iqn.1993-08.org.debian:01:aaaa', ip: '127.0.0.1' };
      const hostB = { host: 'compute-b', initiator: 'iqn.1993-08.org.debian:01:bbbb', ip: '127.0.0.1' };
      const info = await driver.initializeConnection(v, hostA);
      expect(await driver.initializeConnection(v, hostA)).toEqual(info);
      expect(info.data.volume_id).toBe(v.id);
      expect(info.data.access_mode).toBe('rw');
      switch (info.driver_volume_type) {
        case 'iscsi':
          expect(info.data.target_portal).toMatch(/^[^\s]+:\d+$/);
          expect(info.data.target_iqn).toMatch(/^iqn\.\d{4}-\d{2}\./);
          expect(Number.isInteger(info.data.target_lun)).toBe(true);
          expect(info.data.auth_method).toBeTypeOf('string');
          break;
        case 'file':
          expect(info.data.path).toBeTypeOf('string');
          expect(['raw', 'qcow2']).toContain(info.data.format);
          break;
        case 'rbd':
          expect(info.data.name).toBeTypeOf('string');
          expect(Array.isArray(info.data.hosts)).toBe(true);
          break;
        default:
          expect(info.driver_volume_type).toBeTypeOf('string');
      }
      // every real connection type is proven by reading through it as a hypervisor would;
      // only the fake's connections lead nowhere
      if (info.driver_volume_type !== 'fake') expect(s.readThroughConnection, 'a reader for the connection type').toBeDefined();
      if (s.readThroughConnection) {
        expect((await s.readThroughConnection(info, data.length)).equals(data)).toBe(true);
      }
      const infoB = await driver.initializeConnection(v, hostB);
      await driver.terminateConnection(v, hostA);
      if (s.readThroughConnection) {
        // the other host is still connected: its export stays
        expect((await s.readThroughConnection(infoB, data.length)).equals(data)).toBe(true);
      }
      await driver.terminateConnection(v, hostB);
      await driver.terminateConnection(v, hostB);
      // disconnected volumes are free for data operations again
      const after = pattern(51, 4096);
      await write(driver, v, after);
      await expectContent(driver, v, after);
    });

    it('snapshots and clones a connected volume without disturbing its connection', async () => {
      const v = newVolume();
      await driver.createVolume(v);
      const a = pattern(60, MiB);
      await write(driver, v, a);
      const host = { host: 'compute-c', initiator: 'iqn.1993-08.org.debian:01:cccc' };
      const info = await driver.initializeConnection(v, host);
      const snap = newSnapshot(v);
      await driver.createSnapshot(snap);
      const clone = newVolume();
      await driver.cloneVolume(clone, v);
      if (s.readThroughConnection) {
        expect((await s.readThroughConnection(info, a.length)).equals(a)).toBe(true);
      }
      const fromSnap = newVolume();
      await driver.createVolumeFromSnapshot(fromSnap, snap);
      await expectContent(driver, fromSnap, a);
      await expectContent(driver, clone, a);
      await driver.terminateConnection(v, host);
    });
  });
}
