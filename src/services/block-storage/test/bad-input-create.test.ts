import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud, waitForResource } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

/**
 * Volume creates Cinder refuses at the API: bad sizes, unknown types, zones and sources,
 * sources in the wrong status or too large for the request. Each is a 4xx with Cinder's
 * fault body and records nothing: no volume row, no quota usage, no file.
 */
describe('block storage bad input: creates that are refused (file backend)', () => {
  const fb = new FileBackendCloud();
  let alice: VolumeClient;
  const create = (volume: Record<string, unknown>) => alice.call('POST', 'volumes', { volume });
  const refused = async (volume: Record<string, unknown>, status: number, message?: string) => {
    const r = await create(volume);
    expect(r.status, JSON.stringify(volume)).toBe(status);
    const key = status === 404 ? 'itemNotFound' : 'badRequest';
    expect(r.body[key].code).toBe(status);
    if (message !== undefined) expect(r.body[key].message).toBe(message);
  };
  const nothingRecorded = async (expectedIds: string[]) => {
    expect((await alice.call('GET', 'volumes')).body.volumes.map((v: { id: string }) => v.id).sort()).toEqual([...expectedIds].sort());
    const q = (await fb.cloud.admin.call('GET', `os-quota-sets/${alice.projectId}?usage=true`)).body.quota_set;
    expect(q.volumes).toMatchObject({ in_use: expectedIds.length, reserved: 0 });
    expect(fb.backendFiles().filter((f) => f.startsWith('volume-'))).toEqual(expectedIds.map((i) => fb.volumeFile(i)).sort());
  };

  beforeAll(async () => {
    await fb.start();
    alice = await fb.cloud.member();
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('refuses bad sizes with Cinder\'s message', async () => {
    for (const size of [0, -1, '0', 1.5, 'abc', '', true]) await refused({ size }, 400);
    // '0' passes the schema (a string of digits); the API's own check words it as Cinder does.
    await refused(
      { size: '0' },
      400,
      'Invalid input received: Invalid volume size provided for create request: 0 (size argument must be an integer (or string representation of an integer) and greater than zero).',
    );
    await refused({}, 400);
    await nothingRecorded([]);
  });

  it('refuses unknown types, zones and sources', async () => {
    await refused({ size: 1, volume_type: 'gold' }, 404, 'Volume type with name gold could not be found.');
    await refused({ size: 1, availability_zone: 'mars' }, 400, "Availability zone 'mars' is invalid.");
    const missing = crypto.randomUUID();
    await refused({ size: 1, snapshot_id: missing }, 404, `Snapshot ${missing} could not be found.`);
    await refused({ size: 1, source_volid: missing }, 404, `Volume ${missing} could not be found.`);
    await refused({ size: 1, backup_id: missing }, 404, `Backup ${missing} could not be found.`);
    await nothingRecorded([]);
  });

  it('refuses sources in the wrong status or larger than the request', async () => {
    const r = await create({ size: 2 });
    const src = r.body.volume.id as string;
    await fb.cloud.waitForStatus(src, 'available', 60_000);
    await refused({ size: 1, source_volid: src }, 400, "Invalid input received: Volume size '1'GB cannot be smaller than original volume size  2GB. They must be >= original volume size.");
    const s = await alice.call('POST', 'snapshots', { snapshot: { volume_id: src } });
    const snap = s.body.snapshot.id as string;
    await waitForResource(alice, `snapshots/${snap}`, 'snapshot', 'available');
    await refused({ size: 1, snapshot_id: snap }, 400, "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size 2GB. They must be >= original snapshot size.");
    expect((await fb.cloud.admin.call('POST', `snapshots/${snap}/action`, { 'os-reset_status': { status: 'error' } })).status).toBe(202);
    await refused({ snapshot_id: snap }, 400, "Invalid snapshot: Originating snapshot status must be one of 'available' values");
    expect((await fb.cloud.admin.call('POST', `volumes/${src}/action`, { 'os-reset_status': { status: 'error' } })).status).toBe(202);
    await refused({ source_volid: src }, 400, "Invalid volume: Originating source volume status must be one of 'available, in-use' values");
    await nothingRecorded([src]);
  }, 120_000);
});
