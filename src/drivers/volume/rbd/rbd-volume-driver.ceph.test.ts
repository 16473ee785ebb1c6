import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedCeph, type CephCluster } from '../../../../test/support/ceph.ts';
import type { ConnectionInfo, SnapshotRef, VolumeRef } from '../../../services/block-storage/drivers.ts';
import { describeVolumeDriverContract } from '../../../services/block-storage/test/volume-driver-contract.ts';
import { streamCephCommand } from './ceph-command.ts';
import { RbdClient } from './rbd-client.ts';
import { rbdDiffToRaw } from './rbd-diff.ts';
import { RbdVolumeDriver } from './rbd-volume-driver.ts';

// Against a real single-node Ceph (test/support/ceph.ts), shared by the test run.

const GiB = 1024 ** 3;
// every step is a few CLI calls: generous on a loaded 2-core machine
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let ceph: CephCluster;
let release: () => Promise<void>;
let driver: RbdVolumeDriver;
let rbd: RbdClient;
const POOL = 'volumes';

beforeAll(async () => {
  ({ cluster: ceph, release } = await sharedCeph());
  rbd = new RbdClient({ conf: ceph.conf });
  driver = new RbdVolumeDriver({ backendName: 'ceph', conf: ceph.conf, pool: POOL, client: rbd });
  await driver.start();
}, 20 * 60_000);

afterAll(async () => {
  await release?.();
});

/**
 * Reads a volume the way a hypervisor's librbd would: from the connection info alone
 * (monitor addresses and pool/image name), without the backend's ceph.conf.
 */
async function readThroughConnection(info: ConnectionInfo, length: number): Promise<Buffer> {
  expect(info.driver_volume_type).toBe('rbd');
  const { name, hosts, ports } = info.data as { name: string; hosts: string[]; ports: string[] };
  const monHost = hosts.map((h, i) => `${h}:${ports[i]}`).join(',');
  const diff = streamCephCommand('rbd', ['--conf', '/dev/null', '--mon-host', monHost, '--auth-client-required', 'none', 'export-diff', '--no-progress', name, '-']);
  const head: Buffer[] = [];
  let seen = 0;
  try {
    for await (const chunk of rbdDiffToRaw(diff)) {
      head.push(chunk);
      seen += chunk.length;
      if (seen >= length) break;
    }
  } finally {
    diff.destroy();
  }
  return Buffer.concat(head).subarray(0, length);
}

describeVolumeDriverContract('rbd', async () => ({
  driver: new RbdVolumeDriver({ backendName: 'ceph-contract', conf: ceph.conf, pool: POOL }),
  readThroughConnection,
  // volume-<id>, volume-<id>.deleted and their snapshots all name an id (other test files
  // use the same pool at the same time: only this suite's ids count)
  leftovers: async (ids) => (await rbd.list(POOL)).map((i) => i.image).filter((name) => ids.some((id) => name.includes(id))),
  close: async () => {},
}));

let n = 0;
const vol = (sizeGb = 1): VolumeRef => ({ id: `${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`, sizeGb });
const snapOf = (volume: VolumeRef): SnapshotRef => ({ id: `s${++n}-${Math.random().toString(36).slice(2, 8)}`, volume });

function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** The volume's first `prefix` bytes (the rest of the export is not read). */
async function readHead(volume: VolumeRef, prefix: number): Promise<Buffer> {
  const head: Buffer[] = [];
  let seen = 0;
  const stream = await driver.readVolume(volume);
  for await (const chunk of stream) {
    head.push(chunk as Buffer);
    seen += (chunk as Buffer).length;
    if (seen >= prefix) break;
  }
  return Buffer.concat(head).subarray(0, prefix);
}

const image = (v: VolumeRef) => ({ pool: POOL, image: `volume-${v.id}` });

describe('RBD volume driver on Ceph', () => {
  it('snapshots keep old content; volumes from them are COW clones that outlive the snapshot', async () => {
    const v = vol();
    await driver.createVolume(v);
    await driver.writeVolume(v, Readable.from([pattern(50_000, 3)]));
    const s = snapOf(v);
    expect(await driver.createSnapshot(s)).toEqual({ pool: POOL, image: `volume-${v.id}`, snap: `snapshot-${s.id}` });
    await driver.createSnapshot(s);
    await driver.writeVolume(v, Readable.from([pattern(50_000, 4)]));

    const fromSnap = vol(2);
    await driver.createVolumeFromSnapshot(fromSnap, s);
    const info = await rbd.info(image(fromSnap));
    expect(info?.parent).toEqual({ pool: POOL, image: `volume-${v.id}`, snap: `snapshot-${s.id}` });
    expect(info?.size).toBe(2 * GiB);
    expect((await readHead(fromSnap, 50_000)).equals(pattern(50_000, 3))).toBe(true);

    // the snapshot has a clone: deleting it keeps its data (renamed) until the clone goes
    await driver.deleteSnapshot(s);
    await driver.deleteSnapshot(s);
    expect((await rbd.snapshots(image(v))).map((x) => x.name)).toEqual([`snapshot-${s.id}.deleted`]);
    expect((await readHead(fromSnap, 50_000)).equals(pattern(50_000, 3))).toBe(true);
    await driver.deleteVolume(fromSnap);
    expect(await rbd.snapshots(image(v))).toEqual([]);
    await driver.deleteVolume(v);
  });

  it('clones volumes copy-on-write; a deleted source stays until its last clone goes', async () => {
    const src = vol();
    await driver.createVolume(src);
    await driver.writeVolume(src, Readable.from([pattern(10_000, 5)]));
    const clone = vol();
    await driver.cloneVolume(clone, src);
    await driver.cloneVolume(clone, src);
    expect((await rbd.info(image(clone)))?.parent).toEqual({
      pool: POOL,
      image: `volume-${src.id}`,
      snap: `volume-${clone.id}.clone_snap`,
    });
    await driver.deleteVolume(src);
    expect(await rbd.info(image(src))).toBeUndefined();
    expect(await rbd.info({ pool: POOL, image: `volume-${src.id}.deleted` })).toBeDefined();
    expect((await readHead(clone, 10_000)).equals(pattern(10_000, 5))).toBe(true);
    await driver.deleteVolume(clone);
    expect(await rbd.info({ pool: POOL, image: `volume-${src.id}.deleted` })).toBeUndefined();
  });

  it('keeps the snapshots of a deleted volume until they are deleted, then removes everything', async () => {
    const v = vol();
    await driver.createVolume(v);
    await driver.writeVolume(v, Readable.from([pattern(20_000, 9)]));
    const s1 = snapOf(v);
    const s2 = snapOf(v);
    await driver.createSnapshot(s1);
    await driver.createSnapshot(s2);
    const child = vol();
    await driver.createVolumeFromSnapshot(child, s2);
    await driver.deleteVolume(v);
    await driver.deleteVolume(v);
    const kept = { pool: POOL, image: `volume-${v.id}.deleted` };
    expect((await rbd.snapshots(kept)).map((x) => x.name).sort()).toEqual([`snapshot-${s1.id}`, `snapshot-${s2.id}`].sort());
    await expect(driver.readVolume(v)).rejects.toThrow(/does not exist/);

    await driver.deleteSnapshot(s1);
    await driver.deleteSnapshot(s2);
    expect((await rbd.snapshots(kept)).map((x) => x.name)).toEqual([`snapshot-${s2.id}.deleted`]);
    expect((await readHead(child, 20_000)).equals(pattern(20_000, 9))).toBe(true);
    await driver.deleteVolume(child);
    expect(await rbd.info(kept)).toBeUndefined();
  });

  it('flattens a clone once the chain is longer than the maximum depth', async () => {
    const shallow = new RbdVolumeDriver({ backendName: 'ceph', conf: ceph.conf, pool: POOL, client: rbd, maxCloneDepth: 1 });
    const a = vol();
    await shallow.createVolume(a);
    await shallow.writeVolume(a, Readable.from([pattern(4096, 6)]));
    const b = vol();
    await shallow.cloneVolume(b, a);
    const c = vol();
    await shallow.cloneVolume(c, b);
    expect((await rbd.info(image(b)))?.parent).toBeDefined();
    expect((await rbd.info(image(c)))?.parent).toBeUndefined();
    // flattening released the clone snapshot it had taken on b
    expect(await rbd.snapshots(image(b))).toEqual([]);
    expect((await readHead(c, 4096)).equals(pattern(4096, 6))).toBe(true);
    for (const v of [c, b, a]) await shallow.deleteVolume(v);
    expect((await rbd.list(POOL)).map((i) => i.image).filter((i) => [a, b, c].some((v) => i.includes(v.id)))).toEqual([]);
  });

  it('refuses an image larger than the volume', async () => {
    const v = vol();
    await expect(
      driver.createVolumeFromImage(v, { data: Readable.from([Buffer.alloc(10)]), diskFormat: 'raw', sizeBytes: 2 * GiB }),
    ).rejects.toThrow(/does not fit/);
    expect(await rbd.info(image(v))).toBeUndefined();
  });

  it('clones an image stored in the same cluster instead of copying it', async () => {
    const img = { pool: 'images', image: `img-${n++}-${process.pid}` };
    await rbd.importRaw(img, Readable.from([pattern(8192, 8)]));
    await rbd.snapshot({ ...img, snap: 'snap' });
    const url = `rbd://${ceph.fsid}/images/${img.image}/snap`;

    const v = vol();
    expect(await driver.cloneImage(v, { locations: [`rbd://${'0'.repeat(8)}-x/images/${img.image}/snap`], diskFormat: 'raw' })).toBeUndefined();
    expect(await driver.cloneImage(v, { locations: [url], diskFormat: 'qcow2' })).toBeUndefined();
    expect(await driver.cloneImage(v, { locations: ['file:///x', url], diskFormat: 'raw' })).toEqual({ pool: POOL, image: `volume-${v.id}` });
    expect((await rbd.info(image(v)))?.parent).toEqual({ ...img, snap: 'snap' });
    expect((await readHead(v, 8192)).equals(pattern(8192, 8))).toBe(true);

    await driver.deleteVolume(v);
    expect((await rbd.children({ ...img, snap: 'snap' })).length).toBe(0);
    await rbd.removeImage(img);
  });

  it('reports pool capacity and provisioned size, and connection info of type rbd', async () => {
    const v = vol(3);
    await driver.createVolume(v);
    const stats = await driver.stats();
    expect(stats).toMatchObject({ backendName: 'ceph', storageProtocol: 'ceph', thinProvisioning: true });
    expect(stats.totalCapacityGb).toBeGreaterThan(1);
    expect(stats.freeCapacityGb).toBeLessThanOrEqual(stats.totalCapacityGb);
    expect(stats.provisionedCapacityGb).toBeGreaterThanOrEqual(3);

    const info = await driver.initializeConnection(v, { host: 'compute1' });
    expect(info).toEqual({
      driver_volume_type: 'rbd',
      data: expect.objectContaining({
        name: `${POOL}/volume-${v.id}`,
        hosts: [ceph.monHost],
        ports: [String(ceph.monPort)],
        auth_enabled: false,
        cluster_name: 'ceph',
        volume_id: v.id,
      }),
    });
    await driver.terminateConnection(v, { host: 'compute1' });
    await driver.deleteVolume(v);
    await expect(driver.initializeConnection(v, {})).rejects.toThrow(/does not exist/);
  });
});
