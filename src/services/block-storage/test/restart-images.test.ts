import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBackendCloud, waitFor } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

const run = promisify(execFile);

/**
 * Restarts in the middle of the operations that move data between volumes and the image
 * service (real in-process image service, file backend): a create from an image and an
 * upload to an image are resumed with the caller's token they were started with, and end
 * with the same data as without the restart.
 */
describe('block storage: restart during create from image and upload to image', () => {
  let fb: FileBackendCloud;
  let alice: VolumeClient;
  beforeEach(() => {
    fb = new FileBackendCloud();
  });
  afterEach(async () => fb.dispose());

  const start = async (delays: string) => {
    await fb.start(delays, ['image', 'block-storage']);
    const token = alice?.token;
    // The same user and token after a restart: the identity keys are in the data dir.
    alice = token
      ? { ...alice, call: (m, p, b, h) => fb.cloud.cloud.request('block-storage', m, p.startsWith('/') ? p : `/v3/${alice.projectId}/${p}`, { token, body: b, headers: h }) }
      : await fb.cloud.member();
  };
  const glance = (method: string, p: string, opts: { body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } = {}) =>
    fb.cloud.cloud.request('image', method, p, { token: alice.token, ...opts });
  const running = (id: string, kind: string) =>
    waitFor(`${kind} of ${id} to run`, async () =>
      (await fb.cloud.instance().env.tasks.list({ resourceId: id })).some((t) => t.kind === kind && t.state === 'running'),
    );

  it('resumes a create from an image and an upload to an image after restarts', async () => {
    await start('createVolumeFromImage=3000');
    const raw = path.join(fb.dataDir, 'image.raw');
    fs.writeFileSync(raw, randomBytes(2 * 1024 * 1024));
    const created = await glance('POST', '/v2/images', { body: { name: 'base', disk_format: 'raw', container_format: 'bare', os_distro: 'cirros' } });
    const imageId = created.body.id as string;
    expect((await glance('PUT', `/v2/images/${imageId}/file`, { rawBody: fs.readFileSync(raw), headers: { 'content-type': 'application/octet-stream' } })).status).toBe(204);

    const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: imageId } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.volume.id as string;
    await running(id, 'volume.create');
    await fb.stop();
    await start('readVolume=3000');
    const v = await fb.cloud.waitForStatus(id, 'available', 120_000);
    expect(v.bootable).toBe('true');
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.volume_image_metadata).toMatchObject({ image_id: imageId, os_distro: 'cirros' });
    const volumeFile = path.join(fb.volumesDir, fb.volumeFile(id)!);
    await run('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'qcow2', raw, volumeFile]);

    const up = await alice.call('POST', `volumes/${id}/action`, { 'os-volume_upload_image': { image_name: 'copy', disk_format: 'qcow2' } });
    expect(up.status, JSON.stringify(up.body)).toBe(202);
    const copyId = up.body['os-volume_upload_image'].image_id as string;
    await running(id, 'volume.upload_image');
    await fb.stop();
    await start('');
    await waitFor('the uploaded image to be active', async () => (await glance('GET', `/v2/images/${copyId}`)).body.status === 'active', 180_000);
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    const copy = path.join(fb.dataDir, 'copy.qcow2');
    const res = await fetch(`${fb.cloud.cloud.url('image')}/v2/images/${copyId}/file`, { headers: { 'x-auth-token': alice.token } });
    fs.writeFileSync(copy, Buffer.from(await res.arrayBuffer()));
    await run('qemu-img', ['compare', '-f', 'qcow2', '-F', 'raw', copy, raw]);
    expect((await glance('GET', `/v2/images/${copyId}`)).body).toMatchObject({ os_distro: 'cirros', disk_format: 'qcow2' });
    // No scratch file of the conversion is left behind.
    expect(fs.readdirSync(path.join(fb.dataDir, 'block-storage', 'scratch'))).toEqual([]);
  }, 400_000);
});
