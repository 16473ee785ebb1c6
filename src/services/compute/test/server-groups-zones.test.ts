import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeClient, type ComputeCloud } from './compute-cloud.ts';

describe('compute API: server groups and availability zones', () => {
  let c: ComputeCloud;
  let member: ComputeClient;
  let other: ComputeClient;

  beforeAll(async () => {
    c = await startComputeCloud({ overrides: { quota_server_groups: 3 } });
    member = await c.member();
    other = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  it('creates groups with a policies list before 2.64 (soft ones from 2.15) and shows owners from 2.13', async () => {
    const r = await member.call('POST', 'os-server-groups', {
      body: { server_group: { name: 'web', policies: ['anti-affinity'] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.server_group).toEqual({
      id: r.body.server_group.id,
      name: 'web',
      policies: ['anti-affinity'],
      members: [],
      metadata: {},
    });
    const shown = await member.call('GET', `os-server-groups/${r.body.server_group.id}`, {
      version: '2.13',
    });
    expect(shown.body.server_group).toMatchObject({
      name: 'web',
      project_id: member.projectId,
      user_id: member.userId,
    });
    expect(
      (
        await member.call('POST', 'os-server-groups', {
          version: '2.14',
          body: { server_group: { name: 's', policies: ['soft-affinity'] } },
        })
      ).status,
    ).toBe(400);
    const soft = await member.call('POST', 'os-server-groups', {
      version: '2.15',
      body: { server_group: { name: 's', policies: ['soft-affinity'] } },
    });
    expect(soft.body.server_group.policies).toEqual(['soft-affinity']);
    for (const policies of [[], ['affinity', 'anti-affinity'], ['sideways']]) {
      expect(
        (
          await member.call('POST', 'os-server-groups', {
            body: { server_group: { name: 'x', policies } },
          })
        ).status,
        JSON.stringify(policies),
      ).toBe(400);
    }
    expect(
      (
        await member.call('POST', 'os-server-groups', {
          version: '2.64',
          body: { server_group: { name: 'x', policies: ['affinity'] } },
        })
      ).status,
    ).toBe(400);
  });

  it('takes one policy with rules from 2.64, max_server_per_host for anti-affinity only', async () => {
    const r = await member.call('POST', 'os-server-groups', {
      version: '2.64',
      body: {
        server_group: {
          name: 'spread',
          policy: 'anti-affinity',
          rules: { max_server_per_host: 2 },
        },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.server_group).toEqual({
      id: r.body.server_group.id,
      name: 'spread',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 2 },
      members: [],
      project_id: member.projectId,
      user_id: member.userId,
    });
    const old = await member.call('GET', `os-server-groups/${r.body.server_group.id}`);
    expect(old.body.server_group.policies).toEqual(['anti-affinity']);
    const onlyAnti = await member.call('POST', 'os-server-groups', {
      version: '2.64',
      body: { server_group: { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } } },
    });
    expect(onlyAnti.status).toBe(400);
    expect(onlyAnti.body.badRequest.message).toBe('Only anti-affinity policy supports rules.');
    for (const rules of [
      { max_server_per_host: 0 },
      { max_server_per_host: 'two' },
      { colour: 1 },
    ]) {
      expect(
        (
          await member.call('POST', 'os-server-groups', {
            version: '2.64',
            body: { server_group: { name: 'x', policy: 'anti-affinity', rules } },
          })
        ).status,
        JSON.stringify(rules),
      ).toBe(400);
    }
  });

  it('refuses a group past the quota with 403, leaving the count unchanged', async () => {
    // web, s and spread exist; the quota is 3.
    const over = await member.call('POST', 'os-server-groups', {
      body: { server_group: { name: 'fourth', policies: ['affinity'] } },
    });
    expect(over.status).toBe(403);
    expect(over.body.forbidden.message).toBe('Quota exceeded, too many server groups.');
    expect((await member.call('GET', 'os-server-groups')).body.server_groups).toHaveLength(3);
  });

  it("lists a project's groups, every project's for admins with all_projects, with limit and offset", async () => {
    await other.call('POST', 'os-server-groups', {
      body: { server_group: { name: 'theirs', policies: ['affinity'] } },
    });
    const mine = await member.call('GET', 'os-server-groups');
    expect(mine.body.server_groups.map((g: { name: string }) => g.name)).toEqual([
      'web',
      's',
      'spread',
    ]);
    // A member asking for all projects gets their own.
    expect(
      (await member.call('GET', 'os-server-groups?all_projects=True')).body.server_groups,
    ).toHaveLength(3);
    const all = await c.admin.call('GET', 'os-server-groups?all_projects=True');
    expect(all.body.server_groups.map((g: { name: string }) => g.name)).toEqual([
      'web',
      's',
      'spread',
      'theirs',
    ]);
    expect((await c.admin.call('GET', 'os-server-groups')).body.server_groups).toEqual([]);
    const paged = await member.call('GET', 'os-server-groups?limit=1&offset=1');
    expect(paged.body.server_groups.map((g: { name: string }) => g.name)).toEqual(['s']);
    expect((await member.call('GET', 'os-server-groups?limit=-1')).status).toBe(400);
  });

  it("keeps other projects' groups out of reach; deletes with 204", async () => {
    const theirs = (await other.call('GET', 'os-server-groups')).body.server_groups[0].id;
    expect((await member.call('GET', `os-server-groups/${theirs}`)).status).toBe(403);
    expect((await member.call('DELETE', `os-server-groups/${theirs}`)).status).toBe(403);
    expect((await c.admin.call('GET', `os-server-groups/${theirs}`)).status).toBe(200);
    expect((await other.call('DELETE', `os-server-groups/${theirs}`)).status).toBe(204);
    const gone = await other.call('GET', `os-server-groups/${theirs}`);
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(`Instance group ${theirs} could not be found.`);
    expect((await other.call('DELETE', `os-server-groups/${theirs}`)).status).toBe(404);
  });

  it('lists no availability zone while no compute host exists; the detail is for admins', async () => {
    const list = await member.call('GET', 'os-availability-zone');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ availabilityZoneInfo: [] });
    expect((await member.call('GET', 'os-availability-zone/detail')).status).toBe(403);
    const detail = await c.admin.call('GET', 'os-availability-zone/detail');
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual({ availabilityZoneInfo: [] });
  });
});
