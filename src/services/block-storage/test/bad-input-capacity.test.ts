import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBackendCloud, messagesAbout, waitFor, waitForResource } from './file-backend-cloud.ts';

const GiB = 1024 ** 3;

/**
 * A volume larger than any backend has room for is accepted (202) and then put in error by
 * the scheduler with the user message Cinder's scheduler leaves (no valid backend); an
 * extend past the room returns the volume to its status with a message. No file is made.
 */
describe('block storage bad input: larger than the backend has room for (file backend)', () => {
  let fb: FileBackendCloud;
  beforeEach(() => {
    fb = new FileBackendCloud();
  });
  afterEach(async () => fb.dispose());

  const messagesOf = (who: Parameters<typeof messagesAbout>[0], id: string) =>
    waitFor(`a user message about ${id}`, async () => {
      const m = await messagesAbout(who, id);
      return m.length > 0 ? m : undefined;
    });

  it('errors a volume past a 2 GiB backend, and returns a volume whose extend does not fit', async () => {
    await fb.start('', undefined, { file_backend_capacity_gb: 2, max_over_subscription_ratio: 1 });
    const p = await fb.cloud.member();
    const big = await p.call('POST', 'volumes', { volume: { size: 3, name: 'too-big' } });
    expect(big.status, JSON.stringify(big.body)).toBe(202);
    const id = big.body.volume.id as string;
    await waitForResource(p, `volumes/${id}`, 'volume', 'error');
    expect((await fb.cloud.admin.call('GET', `volumes/${id}`)).body.volume['os-vol-host-attr:host']).toBeNull();
    expect((await messagesOf(p, id)).map((m) => [m.event_id, m.user_message, m.message_level])).toEqual([
      ['VOLUME_VOLUME_001_003', 'schedule allocate volume:Could not find any available weighted backend.', 'ERROR'],
    ]);
    expect(fb.backendFiles()).toEqual([]);
    expect((await p.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id);

    const fits = await p.call('POST', 'volumes', { volume: { size: 2 } });
    const ok = fits.body.volume.id as string;
    await fb.cloud.waitForStatus(ok, 'available', 60_000);
    expect((await p.call('POST', `volumes/${ok}/action`, { 'os-extend': { new_size: 3 } })).status).toBe(202);
    expect((await messagesOf(p, ok)).map((m) => [m.event_id, m.user_message])).toEqual([
      ['VOLUME_VOLUME_007_003', 'extend volume:Could not find any available weighted backend.'],
    ]);
    expect((await p.call('GET', `volumes/${ok}`)).body.volume).toMatchObject({ size: 2, status: 'available' });
    expect((await fb.imageInfo(ok))['virtual-size']).toBe(2 * GiB);
    expect(fb.backendFiles()).toEqual([fb.volumeFile(ok)]);
  }, 180_000);

  it('errors a volume larger than the filesystem under the default backend (quota lifted)', async () => {
    await fb.start();
    const p = await fb.cloud.member();
    expect((await fb.cloud.admin.call('PUT', `os-quota-sets/${p.projectId}`, { quota_set: { gigabytes: -1 } })).status).toBe(200);
    const r = await p.call('POST', 'volumes', { volume: { size: 1_000_000_000 } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await waitForResource(p, `volumes/${r.body.volume.id}`, 'volume', 'error');
    expect((await messagesOf(p, r.body.volume.id)).map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_001_003']);
    expect(fb.backendFiles()).toEqual([]);
  }, 120_000);
});
