import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeImageService, type FakeImageService } from './fake-image-service.ts';
import { startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const GiB = 1024 ** 3;

/**
 * The checks of an image's sizes that need an image the real image service cannot cheaply
 * give: one whose data is larger than the volume (gigabytes to upload) and one whose
 * virtual_size Glance reports (strata's image service does not compute it). Everything
 * else about volumes and images runs against the real image service
 * (volume-image-service.test.ts).
 */
describe('block storage: image size checks against a Glance that reports them', () => {
  let c: VolumeCloud;
  let glance: FakeImageService;
  let alice: VolumeClient;

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

  it('refuses an image larger than the volume, or whose virtual size is, with Cinder\'s messages and no volume recorded', async () => {
    const create = (volume: Record<string, unknown>) => alice.call('POST', 'volumes', { volume: { size: 1, ...volume } });
    const big = glance.add({ size: 2 * GiB });
    expect((await create({ imageRef: big.id })).body.badRequest.message).toBe('Invalid input received: Size of specified image 2GB is larger than volume size 1GB.');
    const wide = glance.add({ size: 1024, virtual_size: 3 * GiB, disk_format: 'qcow2' }, randomBytes(1024));
    const r = await create({ imageRef: wide.id });
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toBe("Invalid input received: Image virtual size is 3GB and doesn't fit in a volume of size 1GB.");
    expect((await alice.call('GET', 'volumes')).body.volumes).toEqual([]);
    // The same images fit volumes of their size.
    expect((await alice.call('POST', 'volumes', { volume: { size: 3, imageRef: wide.id } })).status).toBe(202);
  });
});
