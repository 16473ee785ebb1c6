import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedCeph } from '../../../../test/support/ceph.ts';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import {
  createImage,
  importImage,
  md5,
  sha512,
  stage,
  stagedFiles,
  waitImage,
} from './import-support.ts';

// Imports into two stores, the file store and a real Ceph RBD pool: glance-direct to all
// stores, and copy-image of an uploaded image into the store it is missing from. The rbd
// store has a pool of its own: the cloud's orphan sweep at start removes image-shaped data
// it has no row for, and other tests write into the shared cluster's `images` pool.

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

describe('image import to several stores (file and rbd)', () => {
  let cloud: TestCloud;
  let release: () => Promise<void>;
  let member: { token: string };
  let conf: string;

  beforeAll(async () => {
    const shared = await sharedCeph();
    release = shared.release;
    conf = shared.cluster.conf;
    cloud = await startTestCloud({
      services: ['image'],
      overrides: {
        image: {
          enabled_backends: ['file', 'rbd'],
          rbd_store_ceph_conf: shared.cluster.conf,
          rbd_store_pool: 'images-multistore',
          show_multiple_locations: true,
        },
      },
    });
    member = await cloud.member();
  }, 20 * 60_000);

  afterAll(async () => {
    await cloud?.close();
    await release?.();
  });

  const rbdImages = async (): Promise<string[]> => {
    const { stdout } = await promisify(execFile)('rbd', [
      '-c',
      conf,
      'ls',
      '--format',
      'json',
      'images-multistore',
    ]);
    return JSON.parse(stdout) as string[];
  };
  const download = async (id: string, store?: string) => {
    const res = await fetch(`${cloud.url('image')}/v2/images/${id}/file`, {
      headers: { 'x-auth-token': member.token, ...(store ? { 'x-image-meta-store': store } : {}) },
    });
    return Buffer.from(await res.arrayBuffer());
  };

  it('imports staged data into every store with all_stores', async () => {
    const data = randomBytes(1024 * 1024 + 11);
    const id = await createImage(cloud, member.token);
    expect((await stage(cloud, member.token, id, data)).status).toBe(204);
    expect(
      (
        await importImage(cloud, member.token, id, {
          method: { name: 'glance-direct' },
          all_stores: true,
        })
      ).status,
    ).toBe(202);
    const image = await waitImage(
      cloud,
      member.token,
      id,
      (i) => i.status === 'active' && i.os_glance_importing_to_stores === '',
    );
    expect(image).toMatchObject({
      stores: 'file,rbd',
      checksum: md5(data),
      os_hash_value: sha512(data),
      os_glance_failed_import: '',
    });
    expect((await download(id)).equals(data)).toBe(true);
    expect(stagedFiles(cloud)).not.toContain(id);
  });

  it('copies an uploaded image into the store it is missing from', async () => {
    const data = randomBytes(512 * 1024 + 3);
    const id = await createImage(cloud, member.token);
    const put = await cloud.request('image', 'PUT', `/v2/images/${id}/file`, {
      token: member.token,
      rawBody: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(204);
    expect(
      (await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token })).body
        .stores,
    ).toBe('file');
    // stores naming one that has the image already is refused; all_stores skips it.
    expect(
      (
        await importImage(cloud, cloud.adminToken, id, {
          method: { name: 'copy-image' },
          stores: ['file', 'rbd'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await importImage(cloud, cloud.adminToken, id, {
          method: { name: 'copy-image' },
          all_stores: true,
          all_stores_must_succeed: false,
        })
      ).status,
    ).toBe(202);
    const image = await waitImage(
      cloud,
      member.token,
      id,
      (i) => i.os_glance_importing_to_stores === '',
    );
    expect(image).toMatchObject({
      status: 'active',
      stores: 'file,rbd',
      os_glance_failed_import: '',
      checksum: md5(data),
    });
    const tasks = await cloud.request('image', 'GET', `/v2/images/${id}/tasks`, {
      token: member.token,
    });
    expect(tasks.body.tasks).toHaveLength(1);
    expect(tasks.body.tasks[0]).toMatchObject({ status: 'success', input: { backend: ['rbd'] } });

    // show_multiple_locations: both copies are listed, and removing one deletes its data
    const shown = (await cloud.request('image', 'GET', `/v2/images/${id}`, { token: member.token }))
      .body;
    expect(shown.locations.map((l: { metadata: { store: string } }) => l.metadata.store)).toEqual([
      'file',
      'rbd',
    ]);
    const rbdUrl = shown.locations[1].url as string;
    expect(rbdUrl).toMatch(new RegExp(`^rbd://[0-9a-f-]+/images-multistore/${id}/snap$`));
    const patch = (token: string, body: unknown) =>
      cloud.request('image', 'PATCH', `/v2/images/${id}`, {
        token,
        body,
        headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      });
    // delete_image_location is admin-only by default
    expect((await patch(member.token, [{ op: 'remove', path: '/locations/1' }])).status).toBe(403);
    const removed = await patch(cloud.adminToken, [{ op: 'remove', path: '/locations/1' }]);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({
      stores: 'file',
      locations: [{ metadata: { store: 'file' } }],
    });
    expect((await download(id)).equals(data)).toBe(true);
    const left = await rbdImages();
    expect(left.filter((name) => name.startsWith(id))).toEqual([]);
    // the last copy stays
    const last = await patch(cloud.adminToken, [{ op: 'remove', path: '/locations/0' }]);
    expect(last.status).toBe(403);
    expect(last.body.message).toContain('Cannot remove last location in the image.');
    expect(
      (await cloud.request('image', 'DELETE', `/v2/images/${id}`, { token: member.token })).status,
    ).toBe(204);
  });
});
