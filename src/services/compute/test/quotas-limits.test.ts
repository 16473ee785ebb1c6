import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeClient, type ComputeCloud } from './compute-cloud.ts';

const BASE = [
  'instances',
  'cores',
  'ram',
  'metadata_items',
  'key_pairs',
  'server_groups',
  'server_group_members',
];
const PERSONALITY = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
const NETWORK = ['floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules'];
const keys = (o: Record<string, unknown>) =>
  Object.keys(o)
    .filter((k) => k !== 'id')
    .sort();

describe('compute API: quota sets, quota classes and limits', () => {
  let c: ComputeCloud;
  let member: ComputeClient;

  beforeAll(async () => {
    c = await startComputeCloud();
    member = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  it("shows defaults and a project's quotas with the keys of each microversion", async () => {
    const at21 = await member.call('GET', `os-quota-sets/${member.projectId}`);
    expect(at21.status).toBe(200);
    expect(at21.body.quota_set.id).toBe(member.projectId);
    expect(keys(at21.body.quota_set)).toEqual([...BASE, ...PERSONALITY, ...NETWORK].sort());
    expect(at21.body.quota_set).toMatchObject({
      instances: 10,
      cores: 20,
      ram: 51200,
      key_pairs: 100,
      security_groups: 10,
      fixed_ips: -1,
    });
    expect(
      keys(
        (await member.call('GET', `os-quota-sets/${member.projectId}`, { version: '2.36' })).body
          .quota_set,
      ),
    ).toEqual([...BASE, ...PERSONALITY].sort());
    expect(
      keys(
        (await member.call('GET', `os-quota-sets/${member.projectId}`, { version: '2.57' })).body
          .quota_set,
      ),
    ).toEqual([...BASE].sort());
    const defaults = await member.call('GET', `os-quota-sets/${member.projectId}/defaults`);
    expect(defaults.body.quota_set).toEqual(at21.body.quota_set);
    // Another project's quotas are for admins only.
    expect((await member.call('GET', `os-quota-sets/${c.admin.projectId}`)).status).toBe(403);
  });

  it("updates a project's quotas as admin, shows usage in detail, and reverts on delete", async () => {
    expect(
      (
        await member.call('PUT', `os-quota-sets/${member.projectId}`, {
          body: { quota_set: { cores: 5 } },
        })
      ).status,
    ).toBe(403);
    const put = await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
      body: { quota_set: { cores: 5, ram: '1024', security_groups: 3 } },
    });
    expect(put.status).toBe(200);
    expect(put.body.quota_set).not.toHaveProperty('id');
    expect(put.body.quota_set).toMatchObject({
      cores: 5,
      ram: 1024,
      security_groups: 3,
      instances: 10,
    });
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}`)).body.quota_set.cores,
    ).toBe(5);
    await member.call('POST', 'os-server-groups', {
      body: { server_group: { name: 'g', policies: ['affinity'] } },
    });
    const detail = await member.call('GET', `os-quota-sets/${member.projectId}/detail`);
    expect(detail.body.quota_set.cores).toEqual({ limit: 5, in_use: 0, reserved: 0 });
    expect(detail.body.quota_set.server_groups).toEqual({ limit: 10, in_use: 1, reserved: 0 });
    // Below what is used is refused unless forced.
    const low = await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
      body: { quota_set: { server_groups: 0 } },
    });
    expect(low.status).toBe(400);
    expect(low.body.badRequest.message).toBe(
      'Quota limit 0 for server_groups must be greater than or equal to already used and reserved 1.',
    );
    expect(
      (
        await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
          body: { quota_set: { server_groups: 0, force: true } },
        })
      ).body.quota_set.server_groups,
    ).toBe(0);
    for (const bad of [
      { cores: -2 },
      { cores: 'many' },
      { colour: 1 },
      { security_groups: 1, force: 'maybe' },
    ]) {
      expect(
        (
          await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
            body: { quota_set: bad },
          })
        ).status,
        JSON.stringify(bad),
      ).toBe(400);
    }
    // Network quotas are gone from 2.36, personality from 2.57.
    expect(
      (
        await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
          version: '2.36',
          body: { quota_set: { security_groups: 1 } },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
          version: '2.57',
          body: { quota_set: { injected_files: 1 } },
        })
      ).status,
    ).toBe(400);
    expect((await member.call('DELETE', `os-quota-sets/${member.projectId}`)).status).toBe(403);
    expect((await c.admin.call('DELETE', `os-quota-sets/${member.projectId}`)).status).toBe(202);
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}`)).body.quota_set,
    ).toMatchObject({ cores: 20, ram: 51200, server_groups: 10, security_groups: 10 });
  });

  it("keeps user quotas within the project's", async () => {
    await c.admin.call('PUT', `os-quota-sets/${member.projectId}`, {
      body: { quota_set: { key_pairs: 20 } },
    });
    const tooHigh = await c.admin.call(
      'PUT',
      `os-quota-sets/${member.projectId}?user_id=${member.userId}`,
      { body: { quota_set: { key_pairs: 30 } } },
    );
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.badRequest.message).toBe(
      'Quota limit 30 for key_pairs must be less than or equal to 20.',
    );
    const ok = await c.admin.call(
      'PUT',
      `os-quota-sets/${member.projectId}?user_id=${member.userId}`,
      { body: { quota_set: { key_pairs: 2 } } },
    );
    expect(ok.body.quota_set.key_pairs).toBe(2);
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}?user_id=${member.userId}`)).body
        .quota_set.key_pairs,
    ).toBe(2);
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}`)).body.quota_set.key_pairs,
    ).toBe(20);
    await c.admin.call('DELETE', `os-quota-sets/${member.projectId}`);
  });

  it('changes the defaults through the default quota class, with the keys of each microversion', async () => {
    const show = await c.admin.call('GET', 'os-quota-class-sets/default');
    expect(show.body.quota_class_set.id).toBe('default');
    expect(keys(show.body.quota_class_set)).toEqual(
      [...BASE, ...PERSONALITY, ...NETWORK].filter((k) => !k.startsWith('server_group')).sort(),
    );
    expect(
      keys(
        (await c.admin.call('GET', 'os-quota-class-sets/default', { version: '2.50' })).body
          .quota_class_set,
      ),
    ).toEqual([...BASE, ...PERSONALITY].sort());
    expect(
      keys(
        (await c.admin.call('GET', 'os-quota-class-sets/default', { version: '2.57' })).body
          .quota_class_set,
      ),
    ).toEqual([...BASE].sort());
    expect((await member.call('GET', 'os-quota-class-sets/default')).status).toBe(403);
    expect(
      (
        await member.call('PUT', 'os-quota-class-sets/default', {
          body: { quota_class_set: { cores: 1 } },
        })
      ).status,
    ).toBe(403);
    const put = await c.admin.call('PUT', 'os-quota-class-sets/default', {
      version: '2.57',
      body: { quota_class_set: { cores: 40, server_groups: 7 } },
    });
    expect(put.status).toBe(200);
    expect(put.body.quota_class_set).toMatchObject({ cores: 40, server_groups: 7 });
    expect(put.body.quota_class_set).not.toHaveProperty('id');
    expect(
      (
        await c.admin.call('PUT', 'os-quota-class-sets/default', {
          version: '2.57',
          body: { quota_class_set: { injected_files: 1 } },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await c.admin.call('PUT', 'os-quota-class-sets/default', {
          body: { quota_class_set: { server_groups: 1 } },
        })
      ).status,
    ).toBe(400);
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}/defaults`)).body.quota_set,
    ).toMatchObject({ cores: 40, server_groups: 7 });
    expect(
      (await member.call('GET', `os-quota-sets/${member.projectId}`)).body.quota_set,
    ).toMatchObject({ cores: 40, server_groups: 7 });
    await c.admin.call('PUT', 'os-quota-class-sets/default', {
      version: '2.57',
      body: { quota_class_set: { cores: 20, server_groups: 10 } },
    });
  });

  it("shows absolute limits with the fields of each microversion; another project's only to admins", async () => {
    const at21 = await member.call('GET', 'limits');
    expect(at21.status).toBe(200);
    expect(at21.body.limits.rate).toEqual([]);
    expect(at21.body.limits.absolute).toMatchObject({
      maxTotalInstances: 10,
      maxTotalCores: 20,
      maxTotalRAMSize: 51200,
      maxServerMeta: 128,
      maxImageMeta: 128,
      maxPersonality: 5,
      maxPersonalitySize: 10240,
      maxTotalKeypairs: 100,
      maxServerGroups: 10,
      maxServerGroupMembers: 10,
      maxSecurityGroups: 10,
      maxSecurityGroupRules: 20,
      maxTotalFloatingIps: 10,
      totalInstancesUsed: 0,
      totalCoresUsed: 0,
      totalRAMUsed: 0,
      totalServerGroupsUsed: 1,
      totalFloatingIpsUsed: 0,
      totalSecurityGroupsUsed: 0,
    });
    const at257 = (await member.call('GET', 'limits', { version: '2.57' })).body.limits.absolute;
    for (const gone of [
      'maxImageMeta',
      'maxPersonality',
      'maxPersonalitySize',
      'maxSecurityGroups',
      'maxTotalFloatingIps',
      'totalFloatingIpsUsed',
    ])
      expect(at257).not.toHaveProperty(gone);
    expect(at257.maxTotalCores).toBe(20);
    expect((await member.call('GET', `limits?tenant_id=${c.admin.projectId}`)).status).toBe(403);
    const other = await c.admin.call('GET', `limits?tenant_id=${member.projectId}`);
    expect(other.body.limits.absolute.totalServerGroupsUsed).toBe(1);
    expect((await c.admin.call('GET', 'limits')).body.limits.absolute.totalServerGroupsUsed).toBe(
      0,
    );
  });
});
