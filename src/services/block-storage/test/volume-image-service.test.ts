import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud, messagesAbout, waitFor } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

const run = promisify(execFile);
const GiB = 1024 ** 3;

/**
 * Volumes from images and volumes uploaded to images against the real in-process image
 * service (Glance v2 API, file store) and the file backend (qcow2 volume files): data is
 * checked byte for byte (Glance's own checksums of a 1 GiB upload, qemu-img compare of
 * files) and qemu-img confirms the volume files are valid.
 */
describe('block storage with the image service: create from image, upload to image (file backend)', () => {
  const fb = new FileBackendCloud();
  let alice: VolumeClient;
  const work = () => path.join(fb.dataDir, 'work');

  const glance = (method: string, p: string, opts: { body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } = {}) =>
    fb.cloud.cloud.request('image', method, p, { token: alice.token, ...opts });
  const newImage = async (data: Buffer, props: Record<string, unknown> = {}) => {
    const r = await glance('POST', '/v2/images', { body: { disk_format: 'raw', container_format: 'bare', ...props } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const put = await glance('PUT', `/v2/images/${r.body.id}/file`, { rawBody: data, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status, JSON.stringify(put.body)).toBe(204);
    return (await glance('GET', `/v2/images/${r.body.id}`)).body as Record<string, unknown>;
  };
  const waitForImage = (id: string, status: string) =>
    waitFor(`image ${id} to be ${status}`, async () => {
      const r = await glance('GET', `/v2/images/${id}`);
      return r.status === 200 && r.body.status === status ? (r.body as Record<string, unknown>) : undefined;
    }, 300_000);
  const downloadTo = async (id: string, file: string) => {
    const res = await fetch(`${fb.cloud.cloud.url('image')}/v2/images/${id}/file`, { headers: { 'x-auth-token': alice.token } });
    expect(res.status).toBe(200);
    await fs.promises.writeFile(file, Buffer.from(await res.arrayBuffer()));
  };
  const volumeFilePath = (id: string) => path.join(fb.volumesDir, fb.volumeFile(id)!);
  const act = (id: string, body: unknown, headers?: Record<string, string>) => alice.call('POST', `volumes/${id}/action`, body, headers);

  beforeAll(async () => {
    await fb.start('', ['image', 'block-storage']);
    alice = await fb.cloud.member();
    fs.mkdirSync(work(), { recursive: true });
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('creates a bootable volume from a raw image: the file is valid qcow2 with the image data, image metadata copied', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 512);
    const image = await newImage(data, { name: 'cirros-raw', min_disk: 1, hw_disk_bus: 'virtio' });
    const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: image.id, name: 'from-image' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.volume.id as string;
    const v = await fb.cloud.waitForStatus(id, 'available', 120_000);
    expect(v.bootable).toBe('true');
    const shown = (await alice.call('GET', `volumes/${id}`)).body.volume;
    expect(shown.volume_image_metadata).toMatchObject({
      image_id: image.id,
      image_name: 'cirros-raw',
      checksum: image.checksum,
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: '1',
      size: String(data.length),
      hw_disk_bus: 'virtio',
    });
    const info = await fb.imageInfo(id);
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(GiB);
    const raw = path.join(work(), 'image.raw');
    fs.writeFileSync(raw, data);
    // Same content: the image's bytes, then zeros to the volume's end.
    await run('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'qcow2', raw, volumeFilePath(id)]);
  }, 180_000);

  it('creates a volume from a qcow2 image: the volume holds the disk the image describes', async () => {
    const raw = path.join(work(), 'disk.raw');
    const qcow2 = path.join(work(), 'disk.qcow2');
    const content = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(4 * 1024 * 1024), randomBytes(64 * 1024)]);
    fs.writeFileSync(raw, content);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const image = await newImage(fs.readFileSync(qcow2), { name: 'disk-qcow2', disk_format: 'qcow2' });
    const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: image.id } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'available', 120_000);
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.volume_image_metadata.disk_format).toBe('qcow2');
    expect((await fb.imageInfo(id))['virtual-size']).toBe(GiB);
    await run('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'qcow2', raw, volumeFilePath(id)]);
  }, 180_000);

  it('uploads a volume to a raw image: the image goes active with the volume data (Glance checksums of the 1 GiB)', async () => {
    const head = randomBytes(2 * 1024 * 1024 + 3);
    const v = await alice.call('POST', 'volumes', { volume: { size: 1, name: 'to-upload' } });
    const id = v.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    await fb.writeVolume(id, head);
    await alice.call('POST', `volumes/${id}/metadata`, { metadata: { purpose: 'upload' } });
    const up = await act(id, { 'os-volume_upload_image': { image_name: 'from-volume', disk_format: 'raw', container_format: 'bare' } });
    expect(up.status, JSON.stringify(up.body)).toBe(202);
    const out = up.body['os-volume_upload_image'];
    expect(out).toMatchObject({ id, status: 'uploading', image_name: 'from-volume', disk_format: 'raw', container_format: 'bare', size: 1 });
    expect((await glance('GET', `/v2/images/${out.image_id}`)).body.status).toMatch(/^(queued|saving|active)$/);
    const image = await waitForImage(out.image_id, 'active');
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    // What the volume holds: `head`, then zeros to 1 GiB. Hash it without holding it.
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    md5.update(head);
    sha512.update(head);
    for (let left = GiB - head.length; left > 0; left -= Math.min(left, zeros.length)) {
      const part = zeros.subarray(0, Math.min(left, zeros.length));
      md5.update(part);
      sha512.update(part);
    }
    expect(image.size).toBe(GiB);
    expect(image.checksum).toBe(md5.digest('hex'));
    expect(image.os_hash_value).toBe(sha512.digest('hex'));
    const range = await fetch(`${fb.cloud.cloud.url('image')}/v2/images/${out.image_id}/file`, {
      headers: { 'x-auth-token': alice.token, range: `bytes=0-${head.length - 1}` },
    });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(head)).toBe(true);
    expect((await glance('DELETE', `/v2/images/${out.image_id}`)).status).toBe(204);
  }, 420_000);

  it('uploads a volume made from an image to a qcow2 image, carrying the image properties; qemu-img compares it equal', async () => {
    const data = randomBytes(1024 * 1024);
    const source = await newImage(data, { name: 'base', hw_disk_bus: 'scsi' });
    const v = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: source.id } });
    const id = v.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'available', 120_000);
    const up = await act(id, { 'os-volume_upload_image': { image_name: 'copy', disk_format: 'qcow2', container_format: 'bare' } });
    expect(up.status, JSON.stringify(up.body)).toBe(202);
    const imageId = up.body['os-volume_upload_image'].image_id as string;
    const image = await waitForImage(imageId, 'active');
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    expect(image).toMatchObject({ disk_format: 'qcow2', container_format: 'bare', name: 'copy', hw_disk_bus: 'scsi' });
    const file = path.join(work(), 'uploaded.qcow2');
    await downloadTo(imageId, file);
    const { stdout } = await run('qemu-img', ['info', '--output=json', file]);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'qcow2', 'virtual-size': GiB });
    await run('qemu-img', ['compare', '-U', '-f', 'qcow2', '-F', 'qcow2', file, volumeFilePath(id)]);
    expect((await glance('DELETE', `/v2/images/${imageId}`)).status).toBe(204);
  }, 240_000);

  it('refuses unknown and not yet active images with 400 and records no volume', async () => {
    const before = (await alice.call('GET', 'volumes')).body.volumes.length as number;
    const unknown = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: crypto.randomUUID() } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.badRequest.message).toBe('Invalid image identifier or unable to access requested image.');
    const queued = await glance('POST', '/v2/images', { body: { disk_format: 'raw', container_format: 'bare', name: 'empty' } });
    const notActive = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: queued.body.id } });
    expect(notActive.status).toBe(400);
    expect(notActive.body.badRequest.message).toBe(`Invalid input received: Image ${queued.body.id} is not active.`);
    const needy = await newImage(randomBytes(1024), { min_disk: 3 });
    const tooSmall = await alice.call('POST', 'volumes', { volume: { size: 2, imageRef: needy.id } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.badRequest.message).toBe('Invalid input received: Volume size 2GB cannot be smaller than the image minDisk size 3GB.');
    const deactivated = await newImage(randomBytes(1024), { name: 'deactivated' });
    const admin = fb.cloud.admin;
    expect((await fb.cloud.cloud.request('image', 'POST', `/v2/images/${deactivated.id}/actions/deactivate`, { token: admin.token })).status).toBe(204);
    expect((await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: deactivated.id } })).status).toBe(400);
    // Another project's private image is as unknown as a missing one: the caller's token reads images.
    const bob = await fb.cloud.member();
    const hidden = await fb.cloud.cloud.request('image', 'POST', '/v2/images', { token: bob.token, body: { disk_format: 'raw', container_format: 'bare' } });
    expect((await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: hidden.body.id } })).body.badRequest.message).toBe(
      'Invalid image identifier or unable to access requested image.',
    );
    expect((await alice.call('GET', 'volumes')).body.volumes.length).toBe(before);
    // An image may be named instead of identified (a unique name).
    await newImage(randomBytes(512), { name: 'by-name-only' });
    const byName = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: 'by-name-only' } });
    expect(byName.status, JSON.stringify(byName.body)).toBe(202);
    await fb.cloud.waitForStatus(byName.body.volume.id, 'available', 60_000);
  }, 120_000);

  it('an image whose disk does not fit the volume (qcow2 of 2 GiB into 1 GiB) puts the volume in error with a message, no file left', async () => {
    const qcow2 = path.join(work(), 'big.qcow2');
    await run('qemu-img', ['create', '-f', 'qcow2', qcow2, '2G']);
    const image = await newImage(fs.readFileSync(qcow2), { name: 'big-disk', disk_format: 'qcow2' });
    const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: image.id } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'error', 60_000);
    expect((await messagesAbout(alice, id)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_005_001']);
    expect(fb.volumeFile(id)).toBeUndefined();
    expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
  }, 120_000);

  it('an upload that fails (the image is deleted meanwhile) returns the volume with a user message', async () => {
    await fb.stop();
    await fb.start('readVolume=2000', ['image', 'block-storage']);
    alice = await fb.cloud.member();
    const v = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    const id = v.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    const up = await act(id, { 'os-volume_upload_image': { image_name: 'doomed' } });
    expect(up.status).toBe(202);
    const imageId = up.body['os-volume_upload_image'].image_id as string;
    expect((await glance('DELETE', `/v2/images/${imageId}`)).status).toBe(204);
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    expect((await messagesAbout(alice, id)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_003_004']);
    expect((await glance('GET', `/v2/images/${imageId}`)).status).toBe(404);
  }, 120_000);
});
