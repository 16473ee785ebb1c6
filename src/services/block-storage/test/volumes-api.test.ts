import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST, startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

describe('block storage: volumes API', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;
  let bob: VolumeClient;

  const create = async (who: VolumeClient, volume: Record<string, unknown>, headers?: Record<string, string>) => {
    const r = await who.call('POST', 'volumes', { volume: { size: 1, ...volume } }, headers);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.volume as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const ready = async (who: VolumeClient, volume: Record<string, unknown>) => {
    const v = await create(who, volume);
    await c.waitForStatus(v.id, 'available');
    return v;
  };

  beforeAll(async () => {
    c = await startVolumeCloud();
    alice = await c.member();
    bob = await c.member();
  }, 90_000);
  afterAll(async () => c?.close());

  it('serves the version documents without a token', async () => {
    const root = await c.cloud.request('block-storage', 'GET', '/');
    expect(root.status).toBe(300);
    expect(root.body.versions).toEqual([
      expect.objectContaining({ id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0' }),
    ]);
    const v3 = await c.cloud.request('block-storage', 'GET', '/v3/');
    expect(v3.status).toBe(200);
    expect(v3.body.versions[0].links).toContainEqual({ rel: 'self', href: expect.stringMatching(/\/v3\/$/) });
  });

  it('creates a volume in creating, which becomes available; shows it with Cinder fields', async () => {
    const v = await create(alice, { name: '  vol-a  ', description: 'first', metadata: { Type: 'work' } });
    expect(v).toMatchObject({ status: 'creating', size: 1, name: 'vol-a', description: 'first', volume_type: '__DEFAULT__', bootable: 'false', multiattach: false, encrypted: false, attachments: [], metadata: { Type: 'work' } });
    // Create answers carry no extension attributes (tempest's create schema forbids them).
    expect(v).not.toHaveProperty('os-vol-tenant-attr:tenant_id');
    expect(v.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(v.links[0].href).toBe(`${c.cloud.url('block-storage')}/${alice.projectId}/volumes/${v.id}`);
    await c.waitForStatus(v.id, 'available');
    const shown = await alice.call('GET', `volumes/${v.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.volume).toMatchObject({ id: v.id, status: 'available', 'os-vol-tenant-attr:tenant_id': alice.projectId });
    // Host and migration status are for admins only.
    expect(shown.body.volume).not.toHaveProperty('os-vol-host-attr:host');
    const asAdmin = await c.admin.call('GET', `volumes/${v.id}`);
    expect(asAdmin.body.volume['os-vol-host-attr:host']).toMatch(/.+@fake#fake$/);
  });

  it('adds the microversioned fields at their versions', async () => {
    const v = await ready(alice, { name: 'mv' });
    const old = (await alice.call('GET', `volumes/${v.id}`)).body.volume;
    expect(old).not.toHaveProperty('group_id');
    expect(old).not.toHaveProperty('volume_type_id');
    const latest = (await alice.call('GET', `volumes/${v.id}`, undefined, LATEST)).body.volume;
    expect(latest).toMatchObject({ group_id: null, shared_targets: false, service_uuid: null, consumes_quota: true });
    expect(latest.volume_type_id).toEqual(expect.any(String));
    // From 3.67 the project id may be left out of the URL.
    const bare = await c.cloud.request('block-storage', 'GET', `/v3/volumes/${v.id}`, { token: alice.token, headers: LATEST });
    expect(bare.status).toBe(200);
    expect(bare.body.volume.links[0].href).toBe(`${c.cloud.url('block-storage').replace(/\/v3$/, '')}/v3/volumes/${v.id}`);
    expect((await c.cloud.request('block-storage', 'GET', `/v3/volumes/${v.id}`, { token: alice.token })).status).toBe(404);
  });

  it('refuses bad input with 400 and unknown references with 404', async () => {
    const bad = async (volume: Record<string, unknown>, status = 400, headers?: Record<string, string>) => {
      const r = await alice.call('POST', 'volumes', { volume }, headers);
      expect(r.status, JSON.stringify(volume)).toBe(status);
      return r.body;
    };
    for (const size of ['#$%', '', '-1', 0, -1, 1.5, '0', true]) await bad({ size });
    expect((await bad({ size: 'abc' })).badRequest.code).toBe(400);
    await bad({ size: 1, name: 123 });
    await bad({ size: 1, name: 'x'.repeat(256) });
    await bad({ size: 1, metadata: { 'bad*key': 'v' } });
    await bad({ size: 1, metadata: { k: 1 } });
    await bad({ size: 1, multiattach: true });
    await bad({ size: 1, unknown_field: 1 }, 400, at('3.53'));
    await bad({ size: 1, availability_zone: 'nowhere' });
    expect((await bad({ size: 1, volume_type: 'no-such-type' }, 404)).itemNotFound.message).toBe('Volume type with name no-such-type could not be found.');
    await bad({ size: 1, snapshot_id: crypto.randomUUID() }, 404);
    await bad({ size: 1, source_volid: crypto.randomUUID() }, 404);
    expect((await alice.call('POST', 'volumes', { nope: {} })).status).toBe(400);
    expect((await alice.call('POST', 'volumes', undefined)).status).toBe(400);
  });

  it('updates name, description and metadata; 3.53 wants at least one field', async () => {
    const v = await ready(alice, { name: 'before', metadata: { a: '1' } });
    const r = await alice.call('PUT', `volumes/${v.id}`, { volume: { name: 'after', description: 'd', metadata: { b: '2' } } });
    expect(r.status).toBe(200);
    expect(r.body.volume).toMatchObject({ name: 'after', description: 'd', metadata: { b: '2' } });
    expect(r.body.volume.updated_at).not.toBeNull();
    expect((await alice.call('PUT', `volumes/${v.id}`, { volume: {} })).status).toBe(200);
    expect((await alice.call('PUT', `volumes/${v.id}`, { volume: {} }, at('3.53'))).status).toBe(400);
    expect((await alice.call('PUT', `volumes/${v.id}`, { volume: { size: 5 } })).status).toBe(400);
  });

  it('lists summaries and details with filters, sorting, pagination and counts', async () => {
    const p = await c.member();
    const vols = [];
    for (const name of ['l-a', 'l-b', 'l-c']) vols.push(await ready(p, { name, metadata: { group: name === 'l-b' ? 'x' : 'y' } }));
    const ids = vols.map((v) => v.id).sort();

    const summary = await p.call('GET', 'volumes');
    expect(summary.status).toBe(200);
    expect(summary.body.volumes).toHaveLength(3);
    expect(Object.keys(summary.body.volumes[0]).sort()).toEqual(['id', 'links', 'name']);

    expect((await p.call('GET', 'volumes/detail?name=l-b')).body.volumes.map((v: { name: string }) => v.name)).toEqual(['l-b']);
    expect((await p.call('GET', `volumes/detail?metadata=${encodeURIComponent("{'group': 'y'}")}`)).body.volumes).toHaveLength(2);
    expect((await p.call('GET', 'volumes?status=null')).body.volumes).toEqual([]);
    expect((await p.call('GET', 'volumes?bootable=false')).body.volumes).toHaveLength(3);

    const asc = await p.call('GET', 'volumes/detail?sort=id:asc');
    expect(asc.body.volumes.map((v: { id: string }) => v.id)).toEqual(ids);
    const byName = await p.call('GET', 'volumes?sort_key=name&sort_dir=desc');
    expect(byName.body.volumes.map((v: { name: string }) => v.name)).toEqual(['l-c', 'l-b', 'l-a']);

    const seen: string[] = [];
    let url: string | undefined = 'volumes/detail?limit=2&sort=id:asc';
    for (let pages = 0; url && pages < 5; pages++) {
      const page = await p.call('GET', url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url);
      expect(page.status).toBe(200);
      seen.push(...page.body.volumes.map((v: { id: string }) => v.id));
      url = page.body.volumes_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
    }
    expect(seen).toEqual(ids);
    const after = await p.call('GET', `volumes/detail?sort=id:asc&marker=${ids[0]}`);
    expect(after.body.volumes.map((v: { id: string }) => v.id)).toEqual(ids.slice(1));
    expect((await p.call('GET', `volumes?marker=${crypto.randomUUID()}`)).status).toBe(404);
    expect((await p.call('GET', 'volumes?limit=abc')).status).toBe(400);
    expect((await p.call('GET', 'volumes?sort=bogus')).status).toBe(400);

    const counted = await p.call('GET', 'volumes?limit=1&with_count=true', undefined, at('3.45'));
    expect(counted.body.count).toBe(3);
    expect(counted.body.volumes).toHaveLength(1);
    expect((await p.call('GET', 'volumes?host=x', undefined, at('3.33'))).status).toBe(400);

    const totals = await p.call('GET', 'volumes/summary', undefined, at('3.36'));
    expect(totals.status).toBe(200);
    expect(totals.body['volume-summary']).toEqual({ total_count: 3, total_size: 3, metadata: { group: ['x', 'y'] } });
    expect((await p.call('GET', 'volumes/summary')).status).toBe(404);
  });

  it('keeps projects apart: another project sees 404, the URL must name the token project', async () => {
    const v = await ready(alice, { name: 'private' });
    expect((await bob.call('GET', `volumes/${v.id}`)).status).toBe(404);
    expect((await bob.call('PUT', `volumes/${v.id}`, { volume: { name: 'x' } })).status).toBe(404);
    expect((await bob.call('DELETE', `volumes/${v.id}`)).status).toBe(404);
    expect((await bob.call('GET', `volumes/${v.id}/metadata`)).status).toBe(404);
    expect((await bob.call('POST', `volumes/${v.id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(404);
    expect((await bob.call('POST', 'volumes', { volume: { size: 1, source_volid: v.id } })).status).toBe(404);
    expect((await bob.call('GET', 'volumes/detail')).body.volumes.map((x: { id: string }) => x.id)).not.toContain(v.id);
    // Another project's id in the URL is a malformed request, as in Cinder.
    const cross = await bob.call('GET', `/v3/${alice.projectId}/volumes`);
    expect(cross.status).toBe(400);
    expect(cross.body.badRequest.message).toBe('Malformed request url');
    // Admins see every project with all_tenants, filtered by project_id.
    const all = await c.admin.call('GET', `volumes/detail?all_tenants=1&project_id=${alice.projectId}`);
    expect(all.body.volumes.map((x: { id: string }) => x.id)).toContain(v.id);
    expect(all.body.volumes.every((x: Record<string, unknown>) => x['os-vol-tenant-attr:tenant_id'] === alice.projectId)).toBe(true);
    expect((await c.admin.call('GET', 'volumes/detail')).body.volumes.map((x: { id: string }) => x.id)).not.toContain(v.id);
  });

  it('manages metadata items as Cinder does', async () => {
    const v = await ready(alice, { metadata: { k1: 'v1' } });
    const path = `volumes/${v.id}/metadata`;
    expect((await alice.call('POST', path, { metadata: { k2: 'v2', k3: '<v&3>' } })).body.metadata).toEqual({ k1: 'v1', k2: 'v2', k3: '<v&3>' });
    expect((await alice.call('PUT', path, { metadata: { k4: 'v4' } })).body.metadata).toEqual({ k4: 'v4' });
    expect((await alice.call('GET', path)).body).toEqual({ metadata: { k4: 'v4' } });
    expect((await alice.call('PUT', `${path}/k4`, { meta: { k4: 'new' } })).body).toEqual({ meta: { k4: 'new' } });
    expect((await alice.call('GET', `${path}/k4`)).body).toEqual({ meta: { k4: 'new' } });
    expect((await alice.call('PUT', `${path}/k4`, { meta: { other: 'x' } })).status).toBe(400);
    expect((await alice.call('PUT', `${path}/k4`, { meta: { k4: 'x', k5: 'y' } })).status).toBe(400);
    expect((await alice.call('GET', `${path}/nope`)).status).toBe(404);
    expect((await alice.call('DELETE', `${path}/nope`)).status).toBe(404);
    const del = await alice.call('DELETE', `${path}/k4`);
    expect(del.status).toBe(200);
    expect((await alice.call('GET', path)).body).toEqual({ metadata: {} });
    expect((await alice.call('POST', path, { metadata: { 'bad key!': 'x' } })).status).toBe(400);
  });

  it('answers 404 for a path without an id, as Cinder does', async () => {
    expect((await alice.call('GET', 'volumes/')).status).toBe(404);
    expect((await alice.call('PUT', 'volumes/', { volume: {} })).status).toBe(404);
    expect((await alice.call('DELETE', 'volumes/')).status).toBe(404);
    expect((await alice.call('GET', 'volumes/not-a-uuid')).status).toBe(404);
  });

  it('counts quota: 413 past the volumes or gigabytes limit, and per-volume size', async () => {
    const p = await c.member();
    const setQuota = (quota_set: Record<string, number>) =>
      c.admin.call('PUT', `os-quota-sets/${p.projectId}`, { quota_set });
    expect((await setQuota({ volumes: 1, gigabytes: 3, per_volume_gigabytes: 2 })).status).toBe(200);
    expect((await p.call('POST', 'volumes', { volume: { size: 3 } })).status).toBe(413);
    const v = await ready(p, { size: 2 });
    const over = await p.call('POST', 'volumes', { volume: { size: 1 } });
    expect(over.status).toBe(413);
    expect(over.body.overLimit.code).toBe(413);
    expect((await p.call('POST', `volumes/${v.id}/action`, { 'os-extend': { new_size: 3 } })).status).toBe(413);
    expect((await p.call('GET', `volumes/${v.id}`)).body.volume.status).toBe('available');
    await setQuota({ volumes: 10, gigabytes: 3, per_volume_gigabytes: -1 });
    expect((await p.call('POST', `volumes/${v.id}/action`, { 'os-extend': { new_size: 4 } })).status).toBe(413);
    // Nothing half-written: no volume was recorded for the refused requests.
    expect((await p.call('GET', 'volumes')).body.volumes).toHaveLength(1);
  });

  it('deletes only deletable volumes; cascade takes the snapshots along', async () => {
    const v = await ready(alice, {});
    const snap = await alice.call('POST', 'snapshots', { snapshot: { volume_id: v.id, name: 's' } });
    expect(snap.status).toBe(202);
    const sid = snap.body.snapshot.id as string;
    for (let i = 0; i < 200 && (await alice.call('GET', `snapshots/${sid}`)).body.snapshot.status !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const refused = await alice.call('DELETE', `volumes/${v.id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toMatch(/must not be migrating, attached, belong to a group, have snapshots/);
    expect((await alice.call('DELETE', `volumes/${v.id}?cascade=true`)).status).toBe(202);
    await c.waitForDeletion(v.id);
    expect((await alice.call('GET', `snapshots/${sid}`)).status).toBe(404);

    const busy = await ready(alice, {});
    await c.admin.call('POST', `volumes/${busy.id}/action`, { 'os-reset_status': { status: 'extending' } });
    expect((await alice.call('DELETE', `volumes/${busy.id}`)).status).toBe(400);
    // force (3.23) is for admins, and it goes past the status check.
    expect((await alice.call('DELETE', `volumes/${busy.id}?force=true`, undefined, at('3.23'))).status).toBe(403);
    expect((await c.admin.call('DELETE', `/v3/${c.admin.projectId}/volumes/${busy.id}?force=true`, undefined, at('3.23'))).status).toBe(202);
    await c.waitForDeletion(busy.id);
  });
});
