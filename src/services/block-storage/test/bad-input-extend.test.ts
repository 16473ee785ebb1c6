import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

const GiB = 1024 ** 3;

/**
 * os-extend with a size that is not larger, not a size at all, or on a volume that cannot
 * be extended: 400 as Cinder answers, and neither the volume nor its file changes.
 */
describe('block storage bad input: extends that are refused (file backend)', () => {
  const fb = new FileBackendCloud();
  let alice: VolumeClient;
  let id: string;
  const extend = (body: unknown, headers?: Record<string, string>) => alice.call('POST', `volumes/${id}/action`, { 'os-extend': body }, headers);
  const unchanged = async (status = 'available') => {
    expect((await alice.call('GET', `volumes/${id}`)).body.volume).toMatchObject({ size: 2, status });
    expect((await fb.imageInfo(id))['virtual-size']).toBe(2 * GiB);
  };

  beforeAll(async () => {
    await fb.start();
    alice = await fb.cloud.member();
    const r = await alice.call('POST', 'volumes', { volume: { size: 2 } });
    id = r.body.volume.id as string;
    await fb.cloud.waitForStatus(id, 'available', 60_000);
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('refuses a smaller or equal size with Cinder\'s message', async () => {
    for (const size of [1, 2]) {
      const r = await extend({ new_size: size });
      expect(r.status).toBe(400);
      expect(r.body.badRequest.message).toBe(
        `Invalid input received: New size for extend must be greater than current size. (current: 2, extended: ${size}).`,
      );
    }
    await unchanged();
  });

  it('refuses sizes that are not positive integers, and a missing size', async () => {
    for (const body of [{ new_size: 'abc' }, { new_size: 2.5 }, { new_size: -3 }, { new_size: 0 }, { new_size: null }, {}, { new_size: true }]) {
      const r = await extend(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.badRequest.code).toBe(400);
    }
    await unchanged();
  });

  it('refuses a volume in error, and an attached one before 3.42', async () => {
    expect((await fb.cloud.admin.call('POST', `volumes/${id}/action`, { 'os-reset_status': { status: 'error' } })).status).toBe(202);
    const r = await extend({ new_size: 3 });
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toMatch(/^Invalid volume: Volume .* status must be .*available.* to extend, currently error\.$/);
    await unchanged('error');
    expect((await fb.cloud.admin.call('POST', `volumes/${id}/action`, { 'os-reset_status': { status: 'available' } })).status).toBe(202);
    const a = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: id, instance_uuid: crypto.randomUUID(), connector: { host: 'compute-1', initiator: 'iqn.1993-08.org.debian:01:abc' } } },
      { 'OpenStack-API-Version': 'volume 3.54' },
    );
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect((await alice.call('POST', `attachments/${a.body.attachment.id}/action`, { 'os-complete': {} }, { 'OpenStack-API-Version': 'volume 3.44' })).status).toBe(204);
    const early = await extend({ new_size: 3 }, { 'OpenStack-API-Version': 'volume 3.41' });
    expect(early.status).toBe(400);
    await unchanged('in-use');
    expect((await alice.call('DELETE', `attachments/${a.body.attachment.id}`, undefined, { 'OpenStack-API-Version': 'volume 3.27' })).status).toBe(200);
    // The volume still extends once the request is right.
    expect((await extend({ new_size: 3 })).status).toBe(202);
    const v = await fb.cloud.waitForStatus(id, 'available', 60_000);
    expect(v.size).toBe(3);
    expect((await fb.imageInfo(id))['virtual-size']).toBe(3 * GiB);
  }, 120_000);
});
