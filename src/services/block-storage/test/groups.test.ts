import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => ReturnType<TestCloud['request']>;
const V = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });

describe('block storage: group types, groups and group snapshots', () => {
  let cloud: TestCloud;
  let admin: Call;
  let member: { userId: string; projectId: string; token: string };
  let asMember: Call;

  beforeAll(async () => {
    cloud = await startTestCloud({ services: ['block-storage'] });
    admin = (method, path, body, headers) =>
      cloud.request('block-storage', method, `/v3/${cloud.adminProjectId}/${path}`, {
        token: cloud.adminToken,
        body,
        headers: headers ?? V('3.20'),
      });
    member = await cloud.member();
    asMember = (method, path, body, headers) =>
      cloud.request('block-storage', method, `/v3/${member.projectId}/${path}`, {
        token: member.token,
        body,
        headers: headers ?? V('3.20'),
      });
  }, 60_000);
  afterAll(async () => cloud?.close());

  async function until(what: () => Promise<boolean>, label: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await what()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${label}`);
  }
  const statusOf = async (call: Call, path: string, key: string) => {
    const r = await call('GET', path);
    return r.status === 404 ? 'gone' : (r.body[key]?.status as string);
  };

  it('manages group types and their specs (3.11)', async () => {
    expect((await admin('GET', 'group_types', undefined, V('3.10'))).status).toBe(404);
    const created = await admin('POST', 'group_types', {
      group_type: {
        name: 'gt-a',
        description: 'd',
        is_public: true,
        group_specs: { consistent_group_snapshot_enabled: '<is> False' },
      },
    });
    expect(created.status).toBe(202);
    const t = created.body.group_type;
    expect(t).toEqual({
      id: expect.any(String),
      name: 'gt-a',
      description: 'd',
      is_public: true,
      group_specs: { consistent_group_snapshot_enabled: '<is> False' },
    });
    expect((await admin('POST', 'group_types', { group_type: { name: 'gt-a' } })).status).toBe(409);
    await admin('POST', 'group_types', { group_type: { name: 'gt-b', is_public: false } });
    const names = async (q: string) =>
      (await admin('GET', `group_types${q}`)).body.group_types.map((g: { name: string }) => g.name);
    expect(await names('?sort=name:asc&is_public=None')).toEqual(
      expect.arrayContaining(['gt-a', 'gt-b']),
    );
    const asc = await names('?sort=name:asc&is_public=None');
    expect(asc.indexOf('gt-a')).toBeLessThan(asc.indexOf('gt-b'));
    const desc = await names('?sort=name:desc&is_public=None');
    expect(desc.indexOf('gt-b')).toBeLessThan(desc.indexOf('gt-a'));
    expect(await names('?is_public=False')).not.toContain('gt-a');
    expect(await names('?is_public=True')).not.toContain('gt-b');
    // Members see public types, without their specs.
    const seen = (await asMember('GET', `group_types/${t.id}`)).body.group_type;
    expect(seen).toEqual({ id: t.id, name: 'gt-a', description: 'd', is_public: true });

    const updated = await admin('PUT', `group_types/${t.id}`, {
      group_type: { name: 'gt-a2', description: 'new' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.group_type).toMatchObject({ name: 'gt-a2', description: 'new' });

    expect(
      (
        await admin('POST', `group_types/${t.id}/group_specs`, {
          group_specs: { key1: 'v1', key2: 'v2' },
        })
      ).body,
    ).toEqual({ group_specs: { key1: 'v1', key2: 'v2' } });
    expect((await admin('GET', `group_types/${t.id}/group_specs/key2`)).body).toEqual({
      key2: 'v2',
    });
    expect(
      (await admin('PUT', `group_types/${t.id}/group_specs/key2`, { key2: 'v3' })).body,
    ).toEqual({ key2: 'v3' });
    expect(
      (await admin('PUT', `group_types/${t.id}/group_specs/key2`, { key1: 'v3' })).status,
    ).toBe(400);
    expect((await admin('GET', `group_types/${t.id}/group_specs`)).body.group_specs).toEqual({
      consistent_group_snapshot_enabled: '<is> False',
      key1: 'v1',
      key2: 'v3',
    });
    expect((await admin('DELETE', `group_types/${t.id}/group_specs/key1`)).status).toBe(202);
    expect((await admin('GET', `group_types/${t.id}/group_specs/key1`)).status).toBe(404);
    expect((await admin('DELETE', `group_types/${t.id}/group_specs/key1`)).status).toBe(404);
    expect((await asMember('POST', 'group_types', { group_type: { name: 'x' } })).status).toBe(403);

    expect((await admin('DELETE', `group_types/${t.id}`)).status).toBe(202);
    expect((await admin('GET', `group_types/${t.id}`)).status).toBe(404);
  });

  it('creates, updates, snapshots, copies and deletes a group of volumes', async () => {
    const vt = (await admin('POST', 'types', { volume_type: { name: 'group-vt' } })).body
      .volume_type;
    const gt = (await admin('POST', 'group_types', { group_type: { name: 'group-gt' } })).body
      .group_type;
    expect(
      (
        await asMember(
          'POST',
          'groups',
          { group: { group_type: gt.id, volume_types: [vt.id] } },
          V('3.12'),
        )
      ).status,
    ).toBe(404);
    const created = await asMember('POST', 'groups', {
      group: { name: 'g1', group_type: gt.id, volume_types: [vt.id] },
    });
    expect(created.status).toBe(202);
    expect(created.body.group).toEqual({ id: expect.any(String), name: 'g1' });
    const gid = created.body.group.id;
    const shown = (await asMember('GET', `groups/${gid}`, undefined, V('3.13'))).body.group;
    expect(shown).toEqual({
      id: gid,
      status: 'available',
      availability_zone: 'nova',
      created_at: expect.any(String),
      name: 'g1',
      description: null,
      group_type: gt.id,
      volume_types: [vt.id],
    });
    expect(
      (await asMember('GET', 'groups/detail')).body.groups.map((g: { id: string }) => g.id),
    ).toContain(gid);
    expect((await asMember('GET', 'groups')).body.groups).toContainEqual({ id: gid, name: 'g1' });
    const other = await cloud.member();
    expect(
      (
        await cloud.request('block-storage', 'GET', `/v3/${other.projectId}/groups/${gid}`, {
          token: other.token,
          headers: V('3.20'),
        })
      ).status,
    ).toBe(404);

    // Two volumes join the group, one leaves and comes back.
    const vols: string[] = [];
    for (let i = 0; i < 2; i++) {
      const v = await asMember('POST', 'volumes', { volume: { size: 1, volume_type: vt.id } });
      expect(v.status).toBe(202);
      vols.push(v.body.volume.id);
    }
    for (const id of vols)
      await until(
        async () => (await statusOf(asMember, `volumes/${id}`, 'volume')) === 'available',
        `volume ${id}`,
      );
    expect(
      (await asMember('PUT', `groups/${gid}`, { group: { add_volumes: vols.join(',') } })).status,
    ).toBe(202);
    const members = async () =>
      (await asMember('GET', 'volumes/detail')).body.volumes
        .filter((v: { group_id: string | null }) => v.group_id === gid)
        .map((v: { id: string }) => v.id);
    expect((await members()).sort()).toEqual([...vols].sort());
    expect(
      (
        await asMember('PUT', `groups/${gid}`, {
          group: { name: 'renamed', remove_volumes: vols[1] },
        })
      ).status,
    ).toBe(202);
    expect(await members()).toEqual([vols[0]]);
    expect((await asMember('GET', `groups/${gid}`)).body.group.name).toBe('renamed');
    expect(
      (
        await asMember('PUT', `groups/${gid}`, {
          group: { add_volumes: vols[1], remove_volumes: vols[1] },
        })
      ).status,
    ).toBe(400);
    expect(
      (await asMember('PUT', `groups/${gid}`, { group: { remove_volumes: vols[1] } })).status,
    ).toBe(400);
    await asMember('PUT', `groups/${gid}`, { group: { add_volumes: vols[1] } });
    expect(
      (
        await asMember('GET', `groups/${gid}?list_volume=true`, undefined, V('3.25'))
      ).body.group.volumes.sort(),
    ).toEqual([...vols].sort());
    // A member volume cannot be deleted on its own.
    expect((await asMember('DELETE', `volumes/${vols[0]}`)).status).toBe(400);

    // A group snapshot makes a snapshot of each member.
    const gs = await asMember('POST', 'group_snapshots', {
      group_snapshot: { group_id: gid, name: 'gs1' },
    });
    expect(gs.status).toBe(202);
    expect(gs.body.group_snapshot).toEqual({
      id: expect.any(String),
      name: 'gs1',
      group_type_id: gt.id,
    });
    const gsid = gs.body.group_snapshot.id;
    await until(
      async () =>
        (await statusOf(asMember, `group_snapshots/${gsid}`, 'group_snapshot')) === 'available',
      'group snapshot',
    );
    const snaps = (await asMember('GET', 'snapshots/detail')).body.snapshots.filter(
      (s: { volume_id: string }) => vols.includes(s.volume_id),
    );
    expect(snaps).toHaveLength(2);
    expect(
      snaps.every((s: { status: string; group_snapshot_id?: string }) => s.status === 'available'),
    ).toBe(true);
    expect((await asMember('GET', `group_snapshots/${gsid}`)).body.group_snapshot).toEqual({
      id: gsid,
      group_id: gid,
      group_type_id: gt.id,
      status: 'available',
      created_at: expect.any(String),
      name: 'gs1',
      description: null,
    });
    expect(
      (await asMember('GET', 'group_snapshots/detail')).body.group_snapshots.map(
        (g: { id: string }) => g.id,
      ),
    ).toContain(gsid);
    const usage = (await admin('GET', `os-quota-sets/${member.projectId}?usage=true`)).body
      .quota_set;
    expect(usage.snapshots.in_use).toBe(2);
    expect(usage.groups.in_use).toBe(1);

    // A group with snapshots cannot go; groups copy from a group snapshot and from a group.
    expect(
      (await asMember('POST', `groups/${gid}/action`, { delete: { 'delete-volumes': true } }))
        .status,
    ).toBe(400);
    const fromSnap = await asMember('POST', 'groups/action', {
      'create-from-src': { group_snapshot_id: gsid, name: 'from-snap' },
    });
    expect(fromSnap.status).toBe(202);
    const fromGroup = await asMember('POST', 'groups/action', {
      'create-from-src': { source_group_id: gid, name: 'from-group' },
    });
    expect(fromGroup.status).toBe(202);
    for (const g of [fromSnap.body.group.id, fromGroup.body.group.id]) {
      await until(
        async () => (await statusOf(asMember, `groups/${g}`, 'group')) === 'available',
        `group ${g}`,
      );
      const copies = (await asMember('GET', 'volumes/detail')).body.volumes.filter(
        (v: { group_id: string | null }) => v.group_id === g,
      );
      expect(copies).toHaveLength(2);
      expect(copies.every((v: { status: string }) => v.status === 'available')).toBe(true);
    }
    expect(
      (await asMember('GET', `groups/${fromSnap.body.group.id}`, undefined, V('3.14'))).body.group
        .group_snapshot_id,
    ).toBe(gsid);

    // Reset status is for admins (3.19 / 3.20).
    expect(
      (
        await asMember('POST', `group_snapshots/${gsid}/action`, {
          reset_status: { status: 'error' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await admin('POST', `group_snapshots/${gsid}/action`, { reset_status: { status: 'bogus' } }))
        .status,
    ).toBe(400);
    expect(
      (await admin('POST', `group_snapshots/${gsid}/action`, { reset_status: { status: 'error' } }))
        .status,
    ).toBe(202);
    expect(await statusOf(asMember, `group_snapshots/${gsid}`, 'group_snapshot')).toBe('error');
    expect(
      (
        await admin(
          'POST',
          `groups/${gid}/action`,
          { reset_status: { status: 'error' } },
          V('3.19'),
        )
      ).status,
    ).toBe(400);
    expect(
      (await admin('POST', `groups/${gid}/action`, { reset_status: { status: 'creating' } }))
        .status,
    ).toBe(202);
    expect(await statusOf(asMember, `groups/${gid}`, 'group')).toBe('creating');
    await admin('POST', `groups/${gid}/action`, { reset_status: { status: 'available' } });

    // Deleting the group snapshot removes its snapshots; then the groups go with their volumes.
    expect((await asMember('DELETE', `group_snapshots/${gsid}`)).status).toBe(202);
    await until(
      async () =>
        (await statusOf(asMember, `group_snapshots/${gsid}`, 'group_snapshot')) === 'gone',
      'group snapshot deletion',
    );
    expect((await asMember('GET', 'snapshots')).body.snapshots).toEqual([]);
    expect((await asMember('POST', `groups/${gid}/action`, { delete: {} })).status).toBe(400);
    for (const g of [gid, fromSnap.body.group.id, fromGroup.body.group.id]) {
      expect(
        (await asMember('POST', `groups/${g}/action`, { delete: { 'delete-volumes': true } }))
          .status,
      ).toBe(202);
    }
    for (const g of [gid, fromSnap.body.group.id, fromGroup.body.group.id]) {
      await until(
        async () => (await statusOf(asMember, `groups/${g}`, 'group')) === 'gone',
        `group ${g} deletion`,
      );
    }
    expect((await asMember('GET', 'volumes')).body.volumes).toEqual([]);
    expect((await asMember('GET', 'groups')).body.groups).toEqual([]);
  });

  it('deletes an empty group at once and checks what a group is made of', async () => {
    const vt = (await admin('POST', 'types', { volume_type: { name: 'empty-vt' } })).body
      .volume_type;
    const gt = (await admin('POST', 'group_types', { group_type: { name: 'empty-gt' } })).body
      .group_type;
    expect(
      (await asMember('POST', 'groups', { group: { group_type: 'nope', volume_types: [vt.id] } }))
        .status,
    ).toBe(404);
    expect(
      (await asMember('POST', 'groups', { group: { group_type: gt.id, volume_types: ['nope'] } }))
        .status,
    ).toBe(404);
    expect(
      (await asMember('POST', 'groups', { group: { group_type: gt.id, volume_types: [] } })).status,
    ).toBe(400);
    expect(
      (
        await asMember('POST', 'groups', {
          group: { group_type: gt.id, volume_types: [vt.id], availability_zone: 'mars' },
        })
      ).status,
    ).toBe(400);
    const g = (
      await asMember('POST', 'groups', { group: { group_type: gt.name, volume_types: [vt.name] } })
    ).body.group;
    expect((await admin('DELETE', `group_types/${gt.id}`)).status).toBe(400);
    expect(
      (await asMember('POST', `groups/${g.id}/action`, { delete: { 'delete-volumes': false } }))
        .status,
    ).toBe(202);
    expect((await asMember('GET', `groups/${g.id}`)).status).toBe(404);
    await admin('PUT', `os-quota-sets/${member.projectId}`, { quota_set: { groups: 0 } });
    expect(
      (await asMember('POST', 'groups', { group: { group_type: gt.id, volume_types: [vt.id] } }))
        .status,
    ).toBe(413);
    await admin('DELETE', `os-quota-sets/${member.projectId}`);
  });
});
