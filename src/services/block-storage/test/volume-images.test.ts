import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeImageService, type FakeImageService } from './fake-image-service.ts';
import { startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const GiB = 1024 ** 3;

/**
 * Volumes from images and volumes uploaded to images, through the image service's HTTP API
 * with the caller's token. The image service here is a small fake Glance the block storage
 * environment is pointed at, so the requests it receives can be checked.
 */
describe('block storage: volumes and images', () => {
  let c: VolumeCloud;
  let glance: FakeImageService;
  let alice: VolumeClient;

  const act = (id: string, body: unknown, headers?: Record<string, string>) => alice.call('POST', `volumes/${id}/action`, body, headers);

  beforeAll(async () => {
    c = await startVolumeCloud();
    glance = await startFakeImageService();
    // Point the peer lookup at the fake: this cloud runs no image service of its own.
    (c.instance().env as { image: () => { url: string | undefined; local: unknown } }).image = () => ({ url: glance.url, local: undefined });
    alice = await c.member();
  }, 90_000);
  afterAll(async () => {
    await c?.close();
    await glance?.close();
  });

  it('creates a bootable volume from an image, streaming its data with the caller token', async () => {
    const bytes = randomBytes(300 * 1024);
    const image = glance.add({ name: 'cirros', min_disk: 1, hw_disk_bus: 'virtio', os_glance_import_task: 'x' }, bytes);
    const r = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: image.id, name: 'from-image' } });
    expect(r.status).toBe(202);
    const v = await c.waitForStatus(r.body.volume.id, 'available');
    expect(v.bootable).toBe('true');
    const shown = (await alice.call('GET', `volumes/${v.id}`)).body.volume;
    expect(shown.volume_image_metadata).toMatchObject({
      image_id: image.id,
      image_name: 'cirros',
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: '1',
      size: String(bytes.length),
      hw_disk_bus: 'virtio',
    });
    expect(shown.volume_image_metadata).not.toHaveProperty('os_glance_import_task');
    const download = glance.requests.find((q) => q.method === 'GET' && q.path === `/v2/images/${image.id}/file`);
    expect(download?.token).toBe(alice.token);

    // The volume's content is the image's: upload it back and compare.
    const up = await act(String(v.id), { 'os-volume_upload_image': { image_name: 'copy' } });
    expect(up.status).toBe(202);
    const out = up.body['os-volume_upload_image'];
    expect(out).toMatchObject({ id: v.id, status: 'uploading', image_name: 'copy', disk_format: 'raw', container_format: 'bare', size: 1 });
    expect(out.volume_type).toMatchObject({ name: '__DEFAULT__', is_public: true });
    await c.waitForStatus(String(v.id), 'available');
    expect(glance.images.get(out.image_id)).toMatchObject({ status: 'active', name: 'copy', hw_disk_bus: 'virtio' });
    expect(glance.data.get(out.image_id)!.equals(bytes)).toBe(true);
    const put = glance.requests.find((q) => q.method === 'PUT' && q.path === `/v2/images/${out.image_id}/file`);
    expect(put).toMatchObject({ token: alice.token, contentType: 'application/octet-stream' });
  });

  it('clones keep the image metadata and bootable flag', async () => {
    const image = glance.add({ name: 'boot' }, randomBytes(1024));
    const src = await alice.call('POST', 'volumes', { volume: { size: 1, imageRef: image.id } });
    await c.waitForStatus(src.body.volume.id, 'available');
    const clone = await alice.call('POST', 'volumes', { volume: { source_volid: src.body.volume.id } });
    const v = await c.waitForStatus(clone.body.volume.id, 'available');
    expect(v.bootable).toBe('true');
    expect((await alice.call('GET', `volumes/${v.id}`)).body.volume.volume_image_metadata.image_id).toBe(image.id);
  });

  it('refuses images that are unknown, inactive, too large or need a bigger disk', async () => {
    const create = (volume: Record<string, unknown>) => alice.call('POST', 'volumes', { volume: { size: 1, ...volume } });
    const unknown = await create({ imageRef: crypto.randomUUID() });
    expect(unknown.status).toBe(400);
    expect(unknown.body.badRequest.message).toBe('Invalid image identifier or unable to access requested image.');
    const inactive = glance.add({ status: 'deactivated' });
    expect((await create({ imageRef: inactive.id })).status).toBe(400);
    const big = glance.add({ size: 2 * GiB });
    expect((await create({ imageRef: big.id })).body.badRequest.message).toBe('Invalid input received: Size of specified image 2GB is larger than volume size 1GB.');
    const needy = glance.add({ min_disk: 2 });
    expect((await create({ imageRef: needy.id })).body.badRequest.message).toBe(
      'Invalid input received: Volume size 1GB cannot be smaller than the image minDisk size 2GB.',
    );
    // An image may be named instead of identified.
    const named = glance.add({ name: 'by-name' }, Buffer.from('x'));
    const byName = await create({ imageRef: 'by-name' });
    expect(byName.status).toBe(202);
    expect(byName.body.volume.id).toEqual(expect.any(String));
    void named;
  });

  it('uploads in another disk format through qemu-img', async () => {
    const v = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    await c.waitForStatus(v.body.volume.id, 'available');
    const up = await act(v.body.volume.id, { 'os-volume_upload_image': { image_name: 'q', disk_format: 'qcow2', visibility: 'shared', protected: true } }, {
      'OpenStack-API-Version': 'volume 3.1',
    });
    expect(up.status).toBe(202);
    expect(up.body['os-volume_upload_image']).toMatchObject({ disk_format: 'qcow2', visibility: 'shared', protected: true });
    await c.waitForStatus(v.body.volume.id, 'available');
    const bytes = glance.data.get(up.body['os-volume_upload_image'].image_id)!;
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
    // Public images need the upload_public rule (admins).
    expect((await act(v.body.volume.id, { 'os-volume_upload_image': { image_name: 'p', visibility: 'public' } }, { 'OpenStack-API-Version': 'volume 3.1' })).status).toBe(403);
  });

  it('returns the volume and deletes the image when the upload fails', async () => {
    const v = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    const id = v.body.volume.id as string;
    await c.waitForStatus(id, 'available');
    glance.failUploadsWith = 400;
    try {
      const up = await act(id, { 'os-volume_upload_image': { image_name: 'doomed' } });
      expect(up.status).toBe(202);
      const imageId = up.body['os-volume_upload_image'].image_id as string;
      await c.waitForStatus(id, 'available');
      for (let i = 0; i < 200 && glance.images.has(imageId); i++) await new Promise((r) => setTimeout(r, 25));
      expect(glance.images.has(imageId)).toBe(false);
    } finally {
      glance.failUploadsWith = undefined;
    }
    const messages = await c.instance().env.db.selectFrom('block_storage_message').select('event_id').where('resource_uuid', '=', id).execute();
    expect(messages.map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_003_004']);
  });
});
