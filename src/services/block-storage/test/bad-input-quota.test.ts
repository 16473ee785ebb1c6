import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackendCloud, waitForResource } from './file-backend-cloud.ts';
import type { VolumeClient } from './volume-cloud.ts';

/**
 * Requests past a project's quotas (set through /os-quota-sets) get 413 with Cinder's
 * messages, record nothing (no row, no reservation left in the usage) and make no file on
 * the file backend.
 */
describe('block storage bad input: over quota (file backend)', () => {
  const fb = new FileBackendCloud();
  let p: VolumeClient;
  const setQuota = async (quota_set: Record<string, number>) => {
    const r = await fb.cloud.admin.call('PUT', `os-quota-sets/${p.projectId}`, { quota_set });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  const refused = async (method: string, path: string, body: unknown, message: string) => {
    const r = await p.call(method, path, body);
    expect(r.status, JSON.stringify(r.body)).toBe(413);
    expect(r.body).toEqual({ overLimit: { code: 413, message } });
  };
  const volume = async (size: number) => {
    const r = await p.call('POST', 'volumes', { volume: { size } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await fb.cloud.waitForStatus(r.body.volume.id, 'available', 60_000);
    return r.body.volume.id as string;
  };
  const usage = async () => {
    const r = await fb.cloud.admin.call('GET', `os-quota-sets/${p.projectId}?usage=true`);
    const q = r.body.quota_set as Record<string, { in_use: number; reserved: number }>;
    return Object.fromEntries(['volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes'].map((k) => [k, [q[k]!.in_use, q[k]!.reserved]]));
  };

  beforeAll(async () => {
    await fb.start();
    p = await fb.cloud.member();
  }, 120_000);
  afterAll(async () => fb.dispose());

  it('refuses volumes past the per-volume, gigabytes and volumes quotas', async () => {
    await setQuota({ volumes: 2, gigabytes: 3, per_volume_gigabytes: 2, snapshots: 1, backups: 1, backup_gigabytes: 1 });
    await refused('POST', 'volumes', { volume: { size: 3 } }, 'Requested volume size 3G is larger than maximum allowed limit 2G.');
    const two = await volume(2);
    await refused(
      'POST',
      'volumes',
      { volume: { size: 2 } },
      'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.',
    );
    const one = await volume(1);
    await refused('POST', 'volumes', { volume: { size: 1 } }, "Maximum number of volumes allowed (2) exceeded for quota 'volumes'.");
    // Extends count too, and the refused extend leaves the volume as it was.
    await refused('POST', `volumes/${one}/action`, { 'os-extend': { new_size: 3 } }, 'Requested volume size 3G is larger than maximum allowed limit 2G.');
    await refused(
      'POST',
      `volumes/${one}/action`,
      { 'os-extend': { new_size: 2 } },
      'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 1G, quota is 3G and 3G has been consumed.',
    );
    expect((await p.call('GET', `volumes/${one}`)).body.volume).toMatchObject({ size: 1, status: 'available' });
    expect((await p.call('GET', 'volumes')).body.volumes.map((v: { id: string }) => v.id).sort()).toEqual([one, two].sort());
    expect(fb.backendFiles()).toEqual([fb.volumeFile(one), fb.volumeFile(two)].sort());
    expect(await usage()).toMatchObject({ volumes: [2, 0], gigabytes: [3, 0] });
  }, 180_000);

  it('refuses snapshots and backups past their quotas', async () => {
    const [one] = (await p.call('GET', 'volumes/detail')).body.volumes.filter((v: { size: number }) => v.size === 1).map((v: { id: string }) => v.id);
    await refused(
      'POST',
      'snapshots',
      { snapshot: { volume_id: one } },
      'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 1G, quota is 3G and 3G has been consumed.',
    );
    await setQuota({ gigabytes: 10 });
    const s = await p.call('POST', 'snapshots', { snapshot: { volume_id: one } });
    expect(s.status).toBe(202);
    await waitForResource(p, `snapshots/${s.body.snapshot.id}`, 'snapshot', 'available');
    await refused('POST', 'snapshots', { snapshot: { volume_id: one } }, 'Maximum number of snapshots allowed (1) exceeded');
    const [two] = (await p.call('GET', 'volumes/detail')).body.volumes.filter((v: { size: number }) => v.size === 2).map((v: { id: string }) => v.id);
    await refused(
      'POST',
      'backups',
      { backup: { volume_id: two } },
      'Requested backup exceeds allowed Backup gigabytes quota. Requested 2G, quota is 1G and 0G has been consumed.',
    );
    expect((await p.call('GET', 'backups')).body.backups).toEqual([]);
    expect(fb.backupEntries()).toEqual([]);
    expect((await p.call('GET', `volumes/${two}`)).body.volume.status).toBe('available');
    expect(await usage()).toMatchObject({ snapshots: [1, 0], backups: [0, 0], backup_gigabytes: [0, 0], gigabytes: [4, 0] });
  }, 180_000);
});
