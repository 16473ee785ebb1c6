import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud, waitForResource } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

const REFUSED =
  'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.';
const connector = { initiator: 'iqn.1993-08.org.debian:01:abc', ip: '192.168.1.20', platform: 'x86_64', host: 'compute-1', os_type: 'linux2', multipath: false };

/**
 * Deletes Cinder refuses: an attached (in-use) volume, a volume with snapshots unless
 * cascade, a volume still creating, another project's volume. Each refusal is a 4xx that
 * changes nothing; what is finally deleted leaves no file.
 */
describe('block storage bad input: deletes that are refused (file backend)', () => {
  const fb = new FileBackendCloud();
  let alice: VolumeClient;
  let bob: VolumeClient;
  const volume = async () => {
    const r = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await fb.cloud.waitForStatus(r.body.volume.id, 'available', 60_000);
    return r.body.volume.id as string;
  };
  const refused = async (id: string, query = '') => {
    const r = await alice.call('DELETE', `volumes/${id}${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body).toEqual({ badRequest: { code: 400, message: REFUSED } });
  };

  beforeAll(async () => {
    await fb.start('createVolume=1500');
    alice = await fb.cloud.member();
    bob = await fb.cloud.member();
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('refuses to delete an in-use volume; once detached it deletes', async () => {
    const id = await volume();
    const a = await alice.call(
      'POST',
      'attachments',
      { attachment: { volume_uuid: id, instance_uuid: crypto.randomUUID(), connector } },
      { 'OpenStack-API-Version': 'volume 3.54' },
    );
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const attachment = a.body.attachment.id as string;
    expect((await alice.call('POST', `attachments/${attachment}/action`, { 'os-complete': {} }, { 'OpenStack-API-Version': 'volume 3.44' })).status).toBe(204);
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.status).toBe('in-use');
    await refused(id);
    await refused(id, '?cascade=true');
    const after = (await alice.call('GET', `volumes/${id}`)).body.volume;
    expect(after.status).toBe('in-use');
    expect(after.attachments).toHaveLength(1);
    expect(fb.volumeFile(id)).toBeDefined();
    expect((await alice.call('DELETE', `attachments/${attachment}`, undefined, { 'OpenStack-API-Version': 'volume 3.27' })).status).toBe(200);
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.status).toBe('available');
    expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.volumeFile(id)).toBeUndefined();
  }, 120_000);

  it('refuses to delete a volume with snapshots unless cascade, which removes them and their files', async () => {
    const id = await volume();
    const s = await alice.call('POST', 'snapshots', { snapshot: { volume_id: id } });
    const snap = s.body.snapshot.id as string;
    await waitForResource(alice, `snapshots/${snap}`, 'snapshot', 'available');
    await refused(id);
    expect((await alice.call('GET', `snapshots/${snap}`)).body.snapshot.status).toBe('available');
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.status).toBe('available');
    expect((await alice.call('DELETE', `volumes/${id}?cascade=true`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
    expect((await alice.call('GET', `snapshots/${snap}`)).status).toBe(404);
    expect(fb.backendFiles()).toEqual([]);
  }, 120_000);

  it('refuses to delete a volume still creating, and another project\'s volume', async () => {
    const r = await alice.call('POST', 'volumes', { volume: { size: 1 } });
    const id = r.body.volume.id as string;
    expect((await alice.call('GET', `volumes/${id}`)).body.volume.status).toBe('creating');
    await refused(id);
    const hidden = await bob.call('DELETE', `volumes/${id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.itemNotFound.message).toBe(`Volume ${id} could not be found.`);
    expect((await alice.call('DELETE', `volumes/${crypto.randomUUID()}`)).status).toBe(404);
    await fb.cloud.waitForStatus(id, 'available', 60_000);
    expect((await alice.call('DELETE', `volumes/${id}`)).status).toBe(202);
    await fb.cloud.waitForDeletion(id, 30_000);
    expect(fb.backendFiles()).toEqual([]);
  }, 120_000);
});
