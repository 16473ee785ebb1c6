import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedCeph, type CephCluster } from '../../test/support/ceph.ts';
import { loadConfig, type Config } from '../core/config/index.ts';
import { blockStorageConfig } from '../services/block-storage/config.ts';
import { imageConfig } from '../services/image/config.ts';
import { ImageDataMissing } from '../services/image/drivers.ts';
import { describeImageStoreContract } from '../services/image/test/store-contract.ts';
import type { BlockStorageDrivers } from '../services/block-storage/index.ts';
import { RbdClient } from '../drivers/volume/rbd/rbd-client.ts';
import { RbdVolumeDriver } from '../drivers/volume/rbd/rbd-volume-driver.ts';
import { startFakeImageService } from '../services/block-storage/test/fake-image-service.ts';
import { startVolumeCloud } from '../services/block-storage/test/volume-cloud.ts';
import { driversFor, rbdImageStore } from './drivers.ts';

// The rbd backends as the entry point builds them from config, against a real single-node
// Ceph (test/support/ceph.ts) shared by the test run: the image store contract, and volumes
// cloned from images without copying.

// every step is a few CLI calls: generous on a loaded 2-core machine
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let ceph: CephCluster;
let release: () => Promise<void>;
let config: Config;
let rbd: RbdClient;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rbd-cli-'));

beforeAll(async () => {
  ({ cluster: ceph, release } = await sharedCeph());
  config = loadConfig([blockStorageConfig, imageConfig], {
    env: {},
    overrides: {
      'block-storage': { enabled_backends: ['rbd'], rbd_conf: ceph.conf, rbd_pool: 'volumes' },
      image: { enabled_backends: ['rbd'], rbd_store_ceph_conf: ceph.conf, rbd_store_pool: 'images' },
    },
  });
  rbd = new RbdClient({ conf: ceph.conf });
}, 20 * 60_000);

afterAll(async () => {
  await release?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describeImageStoreContract('rbd', async () => ({
  store: rbdImageStore(config),
  async residue(imageId) {
    return (await rbd.list('images')).map((i) => i.image).filter((name) => name.includes(imageId));
  },
  close: async () => {},
}));

describe('rbd backends from config', () => {
  it('builds the rbd volume backend from block-storage rbd_conf and rbd_pool', async () => {
    const { volumes } = driversFor('block-storage', config, dataDir) as BlockStorageDrivers;
    expect(volumes).toHaveLength(1);
    expect(volumes[0]).toBeInstanceOf(RbdVolumeDriver);
    expect(volumes[0]!.backendName).toBe('rbd');
    await volumes[0]!.start();
    expect((await volumes[0]!.stats()).storageProtocol).toBe('ceph');
  });

  it('passes the cephx, cluster name and clone options on to the backend', async () => {
    const tuned = loadConfig([blockStorageConfig, imageConfig], {
      env: {},
      overrides: {
        'block-storage': {
          enabled_backends: ['rbd'],
          rbd_conf: ceph.conf,
          rbd_pool: 'volumes',
          rbd_secret_uuid: '457eb676-33da-42ec-9a8c-9293d545c337',
          rbd_cluster_name: 'east',
          rbd_max_clone_depth: 0,
        },
      },
    });
    const driver = (driversFor('block-storage', tuned, dataDir) as BlockStorageDrivers).volumes[0]!;
    await driver.start();
    const source = { id: randomUUID(), sizeGb: 1 };
    const clone = { id: randomUUID(), sizeGb: 1 };
    await driver.createVolume(source);
    await driver.cloneVolume(clone, source);
    // depth 0: every clone is flattened at once
    expect((await rbd.info({ pool: 'volumes', image: `volume-${clone.id}` }))?.parent).toBeUndefined();
    const info = await driver.initializeConnection(clone, { host: 'compute1' });
    expect(info.data).toMatchObject({ cluster_name: 'east', secret_uuid: '457eb676-33da-42ec-9a8c-9293d545c337', auth_enabled: false });
    for (const v of [clone, source]) await driver.deleteVolume(v);
  });

  it('refuses an rbd backend without a ceph.conf', () => {
    const bare = loadConfig([blockStorageConfig, imageConfig], {
      env: {},
      overrides: { 'block-storage': { enabled_backends: ['rbd'] } },
    });
    expect(() => driversFor('block-storage', bare, dataDir)).toThrow(/rbd_conf/);
    expect(() => rbdImageStore(bare)).toThrow(/rbd_store_ceph_conf/);
  });

  it('stores an image as <id>@snap and a volume clones it; deleting the image keeps the volume whole', async () => {
    const store = rbdImageStore(config);
    await store.start();
    const { volumes } = driversFor('block-storage', config, dataDir) as BlockStorageDrivers;
    const driver = volumes[0] as RbdVolumeDriver;
    await driver.start();

    const imageId = randomUUID();
    const data = randomBytes(200_000);
    const stored = await store.put(imageId, Readable.from([data]));
    expect(stored.location).toBe(`rbd://${ceph.fsid}/images/${imageId}/snap`);
    expect((await rbd.snapshots({ pool: 'images', image: imageId })).map((s) => [s.name, s.protected])).toEqual([['snap', true]]);

    const volume = { id: randomUUID(), sizeGb: 1 };
    expect(await driver.cloneImage(volume, { locations: [stored.location], diskFormat: 'raw' })).toEqual({
      pool: 'volumes',
      image: `volume-${volume.id}`,
    });
    expect((await rbd.info({ pool: 'volumes', image: `volume-${volume.id}` }))?.parent).toEqual({
      pool: 'images',
      image: imageId,
      snap: 'snap',
    });

    await store.delete(stored.location);
    await expect(store.get(stored.location)).rejects.toBeInstanceOf(ImageDataMissing);
    const head: Buffer[] = [];
    let seen = 0;
    for await (const chunk of await driver.readVolume(volume)) {
      head.push(chunk as Buffer);
      seen += (chunk as Buffer).length;
      if (seen >= data.length) break;
    }
    expect(Buffer.concat(head).subarray(0, data.length).equals(data)).toBe(true);

    // the image's data stayed only for the clone: it goes with it
    await driver.deleteVolume(volume);
    expect((await rbd.list('images')).filter((i) => i.image.includes(imageId))).toEqual([]);
  });
});

describe('block storage on the rbd backend: volumes from images the image service keeps in RBD', () => {
  it('clones an image of the same cluster copy-on-write, never downloading it, and downloads the others', async () => {
    const store = rbdImageStore(config);
    await store.start();
    const data = randomBytes(300_000);
    const inCluster = randomUUID();
    const stored = await store.put(inCluster, Readable.from([data]));

    // Glance as block storage sees it: the images' records with direct_url (Glance's
    // show_image_direct_url), and their data
    const glance = await startFakeImageService();
    const c = await startVolumeCloud({
      overrides: { 'block-storage': { enabled_backends: ['rbd'], rbd_conf: ceph.conf, rbd_pool: 'volumes' } },
    });
    try {
      (c.instance().env as { image: () => { url: string | undefined; local: unknown } }).image = () => ({ url: glance.url, local: undefined });
      glance.add({ id: inCluster, name: 'in-rbd', disk_format: 'raw', direct_url: stored.location }, data);
      // an image in another cluster (other fsid) cannot be cloned: it is downloaded
      const elsewhere = glance.add({ name: 'elsewhere', disk_format: 'raw', direct_url: `rbd://${randomUUID()}/images/${inCluster}/snap` }, data);
      const alice = await c.member();
      const volumeFrom = async (imageRef: string) => {
        const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef } });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        await c.waitForStatus(r.body.volume.id as string, 'available', 180_000);
        return r.body.volume.id as string;
      };
      const head = async (volumeId: string) => {
        const chunks: Buffer[] = [];
        let seen = 0;
        for await (const chunk of rbd.exportRaw({ pool: 'volumes', image: `volume-${volumeId}` })) {
          chunks.push(chunk as Buffer);
          seen += (chunk as Buffer).length;
          if (seen >= data.length) break;
        }
        return Buffer.concat(chunks).subarray(0, data.length);
      };

      const cloned = await volumeFrom(inCluster);
      expect((await rbd.info({ pool: 'volumes', image: `volume-${cloned}` }))?.parent).toEqual({ pool: 'images', image: inCluster, snap: 'snap' });
      expect(glance.requests.filter((q) => q.path === `/v2/images/${inCluster}/file`)).toEqual([]);
      expect((await head(cloned)).equals(data)).toBe(true);

      const copied = await volumeFrom(elsewhere.id);
      expect((await rbd.info({ pool: 'volumes', image: `volume-${copied}` }))?.parent).toBeUndefined();
      expect(glance.requests.filter((q) => q.path === `/v2/images/${elsewhere.id}/file`)).toHaveLength(1);
      expect((await head(copied)).equals(data)).toBe(true);

      for (const id of [cloned, copied]) {
        expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(202);
        await c.waitForDeletion(id, 120_000);
      }
      expect(await rbd.children({ pool: 'images', image: inCluster, snap: 'snap' })).toEqual([]);
      await store.delete(stored.location);
      expect((await rbd.list('images')).filter((i) => i.image.includes(inCluster))).toEqual([]);
    } finally {
      await c.close();
      await glance.close();
    }
  });
});
