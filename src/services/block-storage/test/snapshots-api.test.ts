import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST, startVolumeCloud, type VolumeClient, type VolumeCloud } from './volume-cloud.ts';

const at = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

describe('block storage: snapshots', () => {
  let c: VolumeCloud;
  let alice: VolumeClient;
  let bob: VolumeClient;

  const volume = async (who: VolumeClient, size = 1) => {
    const r = await who.call('POST', 'volumes', { volume: { size } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await c.waitForStatus(r.body.volume.id, 'available');
    return r.body.volume.id as string;
  };
  const snapshotStatus = async (who: VolumeClient, id: string, status: string) => {
    const deadline = Date.now() + 10_000;
    let last = '';
    while (Date.now() < deadline) {
      const r = await who.call('GET', `snapshots/${id}`);
      if (status === 'gone' && r.status === 404) return undefined;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      last = r.body.snapshot.status;
      if (last === status) return r.body.snapshot as Record<string, unknown>;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`snapshot ${id} is ${last}, not ${status}`);
  };
  const snapshot = async (
    who: VolumeClient,
    volumeId: string,
    extra: Record<string, unknown> = {},
  ) => {
    const r = await who.call('POST', 'snapshots', { snapshot: { volume_id: volumeId, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await snapshotStatus(who, r.body.snapshot.id, 'available');
    return r.body.snapshot.id as string;
  };

  beforeAll(async () => {
    c = await startVolumeCloud();
    alice = await c.member();
    bob = await c.member();
    for (const p of [alice, bob]) {
      const q = await c.admin.call('PUT', `os-quota-sets/${p.projectId}`, {
        quota_set: { volumes: -1, gigabytes: -1, snapshots: -1 },
      });
      expect(q.status).toBe(200);
    }
  }, 90_000);
  afterAll(async () => c?.close());

  it('creates a snapshot that the backend takes: creating, then available with 100% progress', async () => {
    const vol = await volume(alice, 2);
    const r = await alice.call('POST', 'snapshots', {
      snapshot: { volume_id: vol, name: 'snap-1', description: 'd', metadata: { a: '1' } },
    });
    expect(r.status).toBe(202);
    // Base microversion: exactly the fields Tempest's schema allows.
    expect(Object.keys(r.body.snapshot).sort()).toEqual(
      [
        'created_at',
        'description',
        'id',
        'metadata',
        'name',
        'size',
        'status',
        'updated_at',
        'volume_id',
      ].sort(),
    );
    expect(r.body.snapshot).toMatchObject({
      status: 'creating',
      size: 2,
      name: 'snap-1',
      metadata: { a: '1' },
      volume_id: vol,
    });
    expect(r.body.snapshot.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const shown = await snapshotStatus(alice, r.body.snapshot.id, 'available');
    expect(shown).toMatchObject({
      'os-extended-snapshot-attributes:progress': '100%',
      'os-extended-snapshot-attributes:project_id': alice.projectId,
    });
    const latest = await alice.call('GET', `snapshots/${r.body.snapshot.id}`, undefined, LATEST);
    expect(latest.body.snapshot).toMatchObject({
      user_id: alice.userId,
      group_snapshot_id: null,
      consumes_quota: true,
    });
  });

  it('refuses what Cinder refuses: unknown or hidden volume 404, missing volume_id 404, in-use without force 400', async () => {
    const missing = await alice.call('POST', 'snapshots', {
      snapshot: { volume_id: crypto.randomUUID() },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.itemNotFound.message).toMatch(/Volume .* could not be found/);
    expect((await alice.call('POST', 'snapshots', { snapshot: { volume_id: null } })).status).toBe(
      404,
    );
    const bobs = await volume(bob);
    expect((await alice.call('POST', 'snapshots', { snapshot: { volume_id: bobs } })).status).toBe(
      404,
    );
    expect(
      (await alice.call('POST', 'snapshots', { snapshot: { volume_id: 'not-a-uuid' } })).status,
    ).toBe(400);
    expect(
      (await alice.call('POST', 'snapshots', { snapshot: { volume_id: bobs, bogus: 1 } })).status,
    ).toBe(400);

    const vol = await volume(alice);
    const attach = await alice.call('POST', `volumes/${vol}/action`, {
      'os-attach': { instance_uuid: crypto.randomUUID(), mountpoint: '/dev/vdb' },
    });
    expect(attach.status, JSON.stringify(attach.body)).toBe(202);
    expect((await c.waitForStatus(vol, 'in-use')).status).toBe('in-use');
    const refused = await alice.call('POST', 'snapshots', {
      snapshot: { volume_id: vol, force: false },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toMatch(/status must be available/);
    await snapshot(alice, vol, { force: true });
    // From 3.66 in-use volumes need no flag, and an explicit false is refused.
    const v366 = await alice.call(
      'POST',
      'snapshots',
      { snapshot: { volume_id: vol } },
      at('3.66'),
    );
    expect(v366.status).toBe(202);
    expect(
      (
        await alice.call(
          'POST',
          'snapshots',
          { snapshot: { volume_id: vol, force: false } },
          at('3.66'),
        )
      ).status,
    ).toBe(400);
  });

  it('counts snapshots and their gigabytes against quota (413)', async () => {
    const carol = await c.member();
    const q = await c.admin.call('PUT', `os-quota-sets/${carol.projectId}`, {
      quota_set: { snapshots: 1 },
    });
    expect(q.status).toBe(200);
    const vol = await volume(carol);
    await snapshot(carol, vol);
    const over = await carol.call('POST', 'snapshots', { snapshot: { volume_id: vol } });
    expect(over.status).toBe(413);
    expect(over.body.overLimit.message).toMatch(/snapshots/);
  });

  it('updates name and description, shows metadata, deletes', async () => {
    const vol = await volume(alice);
    const id = await snapshot(alice, vol, { name: 'before', metadata: { k1: 'v1', k2: 'v2' } });
    const up = await alice.call('PUT', `snapshots/${id}`, {
      snapshot: { name: 'after', description: 'new' },
    });
    expect(up.status).toBe(200);
    expect(up.body.snapshot).toMatchObject({
      name: 'after',
      description: 'new',
      metadata: { k1: 'v1', k2: 'v2' },
    });
    expect((await alice.call('PUT', `snapshots/${id}`, { snapshot: {} })).status).toBe(400);
    expect(
      (
        await alice.call('PUT', `snapshots/${id}`, {
          snapshot: { display_description: 'old-style' },
        })
      ).body.snapshot.description,
    ).toBe('old-style');
    expect((await bob.call('PUT', `snapshots/${id}`, { snapshot: { name: 'x' } })).status).toBe(
      404,
    );
    expect((await bob.call('DELETE', `snapshots/${id}`)).status).toBe(404);
    expect((await alice.call('DELETE', `snapshots/${id}`)).status).toBe(202);
    await snapshotStatus(alice, id, 'gone');
  });

  it('keeps metadata: create merges, update replaces, items show, update and delete', async () => {
    const vol = await volume(alice);
    const id = await snapshot(alice, vol);
    const base = `snapshots/${id}/metadata`;
    expect(
      (
        await alice.call('POST', base, {
          metadata: { key1: 'value1', key2: 'value2', key3: 'value3' },
        })
      ).body.metadata,
    ).toEqual({
      key1: 'value1',
      key2: 'value2',
      key3: 'value3',
    });
    const replaced = await alice.call('PUT', base, {
      metadata: { key3: 'value3_update', key4: 'value4' },
    });
    expect(replaced.body.metadata).toEqual({ key3: 'value3_update', key4: 'value4' });
    expect((await alice.call('GET', base)).body.metadata).toEqual({
      key3: 'value3_update',
      key4: 'value4',
    });
    expect((await alice.call('DELETE', `${base}/key3`)).status).toBe(200);
    expect((await alice.call('GET', `${base}/key3`)).status).toBe(404);
    expect((await alice.call('DELETE', `${base}/key3`)).status).toBe(404);
    const item = await alice.call('PUT', `${base}/key4`, { meta: { key4: 'new' } });
    expect(item.status).toBe(200);
    expect(item.body.meta).toEqual({ key4: 'new' });
    expect((await alice.call('GET', `${base}/key4`)).body.meta).toEqual({ key4: 'new' });
    expect((await alice.call('PUT', `${base}/key4`, { meta: { other: 'x' } })).status).toBe(400);
    expect((await alice.call('PUT', `${base}/key4`, { meta: { key4: 'x', b: 'y' } })).status).toBe(
      400,
    );
    expect((await alice.call('PUT', base, { metadata: { 'bad key!': 'x' } })).status).toBe(400);
    expect((await bob.call('GET', base)).status).toBe(404);
    expect((await alice.call('PUT', base, { metadata: {} })).body.metadata).toEqual({});
  });

  it("lists with filters, limit, marker, offset, sort and count, only the caller's", async () => {
    const dave = await c.member();
    const vol = await volume(dave);
    const ids: string[] = [];
    for (const name of ['b-snap', 'a-snap', 'c-snap'])
      ids.push(await snapshot(dave, vol, { name, metadata: { n: name } }));
    await snapshot(alice, await volume(alice));

    const all = await dave.call('GET', 'snapshots');
    expect(all.body.snapshots.map((s: { id: string }) => s.id)).toEqual([...ids].reverse());
    expect(Object.keys(all.body.snapshots[0]).sort()).toEqual(
      [
        'created_at',
        'description',
        'id',
        'metadata',
        'name',
        'size',
        'status',
        'updated_at',
        'volume_id',
      ].sort(),
    );
    const detail = await dave.call('GET', 'snapshots/detail?name=a-snap&status=available');
    expect(detail.body.snapshots).toHaveLength(1);
    expect(detail.body.snapshots[0]).toMatchObject({
      name: 'a-snap',
      'os-extended-snapshot-attributes:project_id': dave.projectId,
    });

    const one = await dave.call('GET', 'snapshots?limit=1');
    expect(one.body.snapshots).toHaveLength(1);
    expect(one.body.snapshots_links[0].rel).toBe('next');
    expect(one.body.snapshots_links[0].href).toContain(`marker=${ids[2]}`);
    expect((await dave.call('GET', 'snapshots?limit=0')).body.snapshots).toEqual([]);
    expect((await dave.call('GET', 'snapshots?limit=100000')).body.snapshots).toHaveLength(3);
    expect((await dave.call('GET', 'snapshots?limit=invalid')).status).toBe(400);
    expect(
      (await dave.call('GET', `snapshots?marker=${ids[1]}`)).body.snapshots.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([ids[0]]);
    expect((await dave.call('GET', `snapshots?marker=${crypto.randomUUID()}`)).status).toBe(404);
    expect((await dave.call('GET', 'snapshots?offset=2&limit=3')).body.snapshots).toHaveLength(1);
    expect((await dave.call('GET', 'snapshots?sort_key=invalid')).status).toBe(400);

    const byName = await dave.call('GET', 'snapshots?sort_key=display_name&sort_dir=asc');
    expect(byName.body.snapshots.map((s: { name: string }) => s.name)).toEqual([
      'a-snap',
      'b-snap',
      'c-snap',
    ]);
    const byNameDesc = await dave.call('GET', 'snapshots?sort=name:desc');
    expect(byNameDesc.body.snapshots.map((s: { name: string }) => s.name)).toEqual([
      'c-snap',
      'b-snap',
      'a-snap',
    ]);
    const byId = await dave.call('GET', 'snapshots?sort_key=id&sort_dir=asc');
    expect(byId.body.snapshots.map((s: { id: string }) => s.id)).toEqual([...ids].sort());

    const meta = await dave.call(
      'GET',
      `snapshots?metadata=${encodeURIComponent("{'n': 'c-snap'}")}`,
      undefined,
      at('3.22'),
    );
    expect(meta.body.snapshots.map((s: { name: string }) => s.name)).toEqual(['c-snap']);
    const counted = await dave.call(
      'GET',
      'snapshots?with_count=true&limit=1',
      undefined,
      at('3.45'),
    );
    expect(counted.body.count).toBe(3);

    const everyone = await c.admin.call('GET', 'snapshots?all_tenants=1');
    const projects = new Set(
      (await c.admin.call('GET', 'snapshots/detail?all_tenants=1')).body.snapshots.map(
        (s: Record<string, string>) => s['os-extended-snapshot-attributes:project_id'],
      ),
    );
    expect(everyone.body.snapshots.length).toBeGreaterThanOrEqual(4);
    expect(projects.has(dave.projectId) && projects.has(alice.projectId)).toBe(true);
    expect((await dave.call('GET', 'snapshots?all_tenants=1')).body.snapshots).toHaveLength(3);
  });

  it('admin actions: reset status, force delete in any status; others get 403', async () => {
    const vol = await volume(alice);
    const id = await snapshot(alice, vol);
    const action = (who: VolumeClient, body: unknown) =>
      who.call('POST', `snapshots/${id}/action`, body);
    expect((await action(alice, { 'os-reset_status': { status: 'error' } })).status).toBe(403);
    expect((await action(c.admin, { 'os-reset_status': { status: 'bogus' } })).status).toBe(400);
    expect((await action(c.admin, { 'os-frobnicate': {} })).status).toBe(400);
    expect(
      (await bob.call('POST', `snapshots/${id}/action`, { 'os-force_delete': {} })).status,
    ).toBe(404);
    for (const status of ['creating', 'deleting', 'error', 'error_deleting', 'available']) {
      expect((await action(c.admin, { 'os-reset_status': { status } })).status).toBe(202);
      expect((await alice.call('GET', `snapshots/${id}`)).body.snapshot.status).toBe(status);
    }
    expect((await action(c.admin, { 'os-reset_status': { status: 'deleting' } })).status).toBe(202);
    // A plain delete needs available or error; force does not.
    expect((await alice.call('DELETE', `snapshots/${id}`)).status).toBe(400);
    expect((await action(alice, { 'os-force_delete': {} })).status).toBe(403);
    expect((await action(c.admin, { 'os-force_delete': {} })).status).toBe(202);
    await snapshotStatus(alice, id, 'gone');
  });

  it('os-update_snapshot_status moves creating and deleting snapshots forward only', async () => {
    const vol = await volume(alice);
    const id = await snapshot(alice, vol);
    const update = (body: unknown) =>
      alice.call('POST', `snapshots/${id}/action`, { 'os-update_snapshot_status': body });
    expect((await update({ status: 'error' })).status).toBe(400);
    await c.admin.call('POST', `snapshots/${id}/action`, {
      'os-reset_status': { status: 'creating' },
    });
    expect((await update({ status: 'deleting' })).status).toBe(400);
    expect((await update({ status: 'error', progress: '80%' })).status).toBe(202);
    const s = (await c.admin.call('GET', `snapshots/${id}`)).body.snapshot;
    expect(s).toMatchObject({ status: 'error', 'os-extended-snapshot-attributes:progress': '80%' });
  });

  it('a backend failure leaves the snapshot in error with a user message', async () => {
    const vol = await volume(alice);
    const driver = c.instance().env.backends[0]!.driver;
    const original = driver.createSnapshot.bind(driver);
    driver.createSnapshot = async () => {
      throw new Error('backend says no');
    };
    try {
      const r = await alice.call('POST', 'snapshots', { snapshot: { volume_id: vol } });
      expect(r.status).toBe(202);
      await snapshotStatus(alice, r.body.snapshot.id, 'error');
      const messages = await c
        .instance()
        .env.db.selectFrom('block_storage_message')
        .selectAll()
        .where('resource_uuid', '=', r.body.snapshot.id)
        .execute();
      expect(messages.map((m) => m.event_id)).toEqual(['VOLUME_VOLUME_SNAPSHOT_009_013']);
      // An errored snapshot can be deleted plainly.
      expect((await alice.call('DELETE', `snapshots/${r.body.snapshot.id}`)).status).toBe(202);
      await snapshotStatus(alice, r.body.snapshot.id, 'gone');
    } finally {
      driver.createSnapshot = original;
    }
  }, 30_000);

  it('answers the manage API as unsupported and serves snapshots without the project in the URL from 3.67', async () => {
    expect(
      (
        await c.admin.call('POST', 'manageable_snapshots', {
          snapshot: { volume_id: crypto.randomUUID(), ref: {} },
        })
      ).status,
    ).toBe(501);
    expect((await alice.call('POST', 'manageable_snapshots', { snapshot: {} })).status).toBe(403);
    // A body Cinder's schema refuses is a 400, not the 501 of a valid request.
    for (const body of [
      { snapshot: {} },
      { snapshot: { volume_id: crypto.randomUUID(), ref: {} }, unexpected: 1 },
      { snapshot: { volume_id: 'not-a-uuid', ref: {} } },
      { snapshot: { volume_id: crypto.randomUUID(), ref: 7 } },
      { snapshot: { volume_id: crypto.randomUUID(), ref: {}, size: 1 } },
    ]) {
      const refused = await c.admin.call('POST', 'manageable_snapshots', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.badRequest.code).toBe(400);
    }
    expect((await c.admin.call('GET', 'manageable_snapshots', undefined, at('3.8'))).body).toEqual({
      'manageable-snapshots': [],
    });
    const bare = await alice.call('GET', '/v3/snapshots', undefined, at('3.67'));
    expect(bare.status).toBe(200);
    expect((await alice.call('GET', '/v3/snapshots', undefined, at('3.66'))).status).toBe(404);
  });
});
