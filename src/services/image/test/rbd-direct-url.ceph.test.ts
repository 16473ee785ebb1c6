import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedCeph, type CephCluster } from '../../../../test/support/ceph.ts';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import { createImage, show, upload } from './image-test-helpers.ts';

// The image service keeps images in RBD with show_image_direct_url on, and block storage's
// rbd backend on the same cluster creates volumes from them through the APIs only: the
// volume is a copy-on-write clone of the image's snapshot, never a download. The images get
// a pool of their own, so this cloud's orphan sweep at start never meets data other tests
// write into the shared cluster's `images` pool.

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const run = promisify(execFile);
const IMAGE_POOL = 'images-direct-url';
const settings = (conf: string) => ({
  image: {
    enabled_backends: ['rbd'],
    rbd_store_ceph_conf: conf,
    rbd_store_pool: IMAGE_POOL,
    show_image_direct_url: true,
  },
  'block-storage': { enabled_backends: ['rbd'], rbd_conf: conf, rbd_pool: 'volumes' },
});

describe('volumes from images in RBD: show_image_direct_url lets block storage clone', () => {
  let ceph: CephCluster;
  let release: () => Promise<void>;
  let c: TestCloud;
  let member: { token: string; projectId: string };
  // kept across the restart in the last test
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rbd-direct-url-'));

  beforeAll(async () => {
    ({ cluster: ceph, release } = await sharedCeph());
    c = await startTestCloud({
      services: ['image', 'block-storage'],
      dataDir,
      overrides: settings(ceph.conf),
    });
    member = await c.member();
  }, 20 * 60_000);

  afterAll(async () => {
    await c?.close();
    await release?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const rbdInfo = async (spec: string) => {
    const { stdout } = await run('rbd', ['-c', ceph.conf, 'info', '--format', 'json', spec]);
    return JSON.parse(stdout) as { parent?: { pool: string; image: string; snapshot: string } };
  };
  /** The first `n` bytes of an RBD image, stopping the export once they are read. */
  const head = (spec: string, n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const p = spawn('rbd', ['-c', ceph.conf, 'export', '--no-progress', spec, '-'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const chunks: Buffer[] = [];
      let seen = 0;
      let done = false;
      p.stdout.on('data', (chunk: Buffer) => {
        if (done) return;
        chunks.push(chunk);
        seen += chunk.length;
        if (seen >= n) {
          done = true;
          p.kill();
          resolve(Buffer.concat(chunks).subarray(0, n));
        }
      });
      p.on('error', reject);
      p.on(
        'close',
        () => done || reject(new Error(`rbd export of ${spec} ended after ${seen} bytes`)),
      );
    });
  const volumes = (method: string, path: string, body?: unknown) =>
    c.request('block-storage', method, `/v3/${member.projectId}/${path}`, {
      token: member.token,
      body,
    });
  const waitVolume = async (id: string, status: string | undefined) => {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const r = await volumes('GET', `volumes/${id}`);
      if (status === undefined && r.status === 404) return undefined;
      expect([200, 404]).toContain(r.status);
      const v = r.body?.volume as Record<string, unknown> | undefined;
      if (v?.status === status) return v;
      if (typeof v?.status === 'string' && v.status.startsWith('error'))
        throw new Error(`volume ${id} is ${v.status}`);
      if (Date.now() > deadline)
        throw new Error(`volume ${id} not ${status ?? 'deleted'}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it('shows the rbd location as direct_url, and a volume from the image is a clone of its snapshot', async () => {
    const data = randomBytes(512 * 1024 + 7);
    const image = await createImage(c, member.token, { name: 'in-rbd' });
    expect((await upload(c, member.token, image.id, data)).status).toBe(204);
    const shown = await show(c, member.token, image.id);
    expect(shown).toMatchObject({
      status: 'active',
      stores: 'rbd',
      direct_url: `rbd://${ceph.fsid}/${IMAGE_POOL}/${image.id}/snap`,
    });
    expect(shown).not.toHaveProperty('locations');

    const r = await volumes('POST', 'volumes', {
      volume: { size: 1, imageRef: image.id, name: 'cloned' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const volumeId = r.body.volume.id as string;
    expect(await waitVolume(volumeId, 'available')).toMatchObject({ bootable: 'true' });
    expect((await rbdInfo(`volumes/volume-${volumeId}`)).parent).toMatchObject({
      pool: IMAGE_POOL,
      image: image.id,
      snapshot: 'snap',
    });
    expect((await head(`volumes/volume-${volumeId}`, data.length)).equals(data)).toBe(true);

    // deleting the image keeps the clone whole; the image's data goes with the clone
    expect(
      (await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: member.token }))
        .status,
    ).toBe(204);
    expect((await head(`volumes/volume-${volumeId}`, data.length)).equals(data)).toBe(true);
    expect((await volumes('DELETE', `volumes/${volumeId}`)).status).toBe(202);
    await waitVolume(volumeId, undefined);
    const { stdout } = await run('rbd', ['-c', ceph.conf, 'ls', '--format', 'json', IMAGE_POOL]);
    expect((JSON.parse(stdout) as string[]).filter((name) => name.startsWith(image.id))).toEqual(
      [],
    );
  });

  it('sweeps RBD data no image accounts for at the next start, and leaves what images hold', async () => {
    const kept = await createImage(c, member.token);
    expect((await upload(c, member.token, kept.id, randomBytes(2048))).status).toBe(204);
    // data written behind the service's back, as a crash between store write and commit leaves it
    const orphan = randomUUID();
    await run('sh', [
      '-c',
      `head -c 4096 /dev/urandom | rbd -c '${ceph.conf}' import --no-progress - ${IMAGE_POOL}/${orphan}`,
    ]);
    // a volume backend's image sharing the pool is never taken for image data
    const foreign = `volume-${randomUUID()}`;
    await run('rbd', ['-c', ceph.conf, 'create', '--size', '1M', `${IMAGE_POOL}/${foreign}`]);

    await c.close();
    c = await startTestCloud({
      services: ['image', 'block-storage'],
      dataDir,
      overrides: settings(ceph.conf),
    });

    const { stdout } = await run('rbd', ['-c', ceph.conf, 'ls', '--format', 'json', IMAGE_POOL]);
    const names = JSON.parse(stdout) as string[];
    expect(names).toContain(kept.id);
    expect(names).not.toContain(orphan);
    expect(names).toContain(foreign);
    await run('rbd', ['-c', ceph.conf, 'rm', '--no-progress', `${IMAGE_POOL}/${foreign}`]);
  });
});
