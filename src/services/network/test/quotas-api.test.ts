import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkCloud, type NetworkClient, type NetworkCloud } from './network-cloud.ts';

let cloud: NetworkCloud;

beforeAll(async () => {
  cloud = await startNetworkCloud({ overrides: { quota_router: 3 } });
}, 120_000);
afterAll(async () => {
  await cloud?.close();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
const fault = (r: { status: number; body: any }) => [r.status, r.body?.NeutronError?.type];
async function create(c: NetworkClient, kind: string, body: Record<string, unknown>, path = `${kind}s`): Promise<Record<string, any>> {
  const r = await c.call('POST', path, { [kind]: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body[kind];
}

describe('quotas', () => {
  it('shows configured defaults, lets only admins change them, and hides other projects\' quotas', async () => {
    const c = await cloud.member();
    const mine = await c.call('GET', `quotas/${c.projectId}`);
    expect(mine.body.quota).toEqual({ network: 100, subnet: 100, port: 500, router: 3, floatingip: 50, security_group: 10, security_group_rule: 100 });
    expect((await c.call('GET', `quotas/${c.projectId}/default`)).body.quota.router).toBe(3);
    expect(fault(await c.call('GET', `quotas/${cloud.admin.projectId}`))).toEqual([403, 'PolicyNotAuthorized']);
    expect(fault(await c.call('PUT', `quotas/${c.projectId}`, { quota: { network: 1000 } }))).toEqual([403, 'PolicyNotAuthorized']);
    expect(fault(await cloud.admin.call('PUT', `quotas/${c.projectId}`, { quota: { volumes: 3 } }))).toEqual([400, 'HTTPBadRequest']);
    expect(fault(await cloud.admin.call('PUT', `quotas/${c.projectId}`, { quota: { network: -2 } }))).toEqual([400, 'HTTPBadRequest']);
    const set = await cloud.admin.call('PUT', `quotas/${c.projectId}`, { quota: { network: 7, port: -1 } });
    expect(set.body.quota).toMatchObject({ network: 7, port: -1, subnet: 100 });
    const all = await cloud.admin.call('GET', 'quotas');
    expect(all.body.quotas).toContainEqual(expect.objectContaining({ project_id: c.projectId, network: 7, port: -1 }));
    expect((await c.call('GET', 'quotas')).body.quotas.map((q: any) => q.project_id)).toEqual([c.projectId]);
    expect((await cloud.admin.call('DELETE', `quotas/${c.projectId}`)).status).toBe(204);
    expect((await c.call('GET', `quotas/${c.projectId}`)).body.quota.network).toBe(100);
  });

  it('refuses what would exceed a limit with OverQuota and counts usage', async () => {
    const c = await cloud.member();
    const limits = { network: 1, subnet: 1, port: 2, router: 0, floatingip: 0, security_group: 2, security_group_rule: 7 };
    expect((await cloud.admin.call('PUT', `quotas/${c.projectId}`, { quota: limits })).status).toBe(200);
    const n = await create(c, 'network', { name: 'one' });
    const second = await c.call('POST', 'networks', { network: { name: 'two' } });
    expect(fault(second)).toEqual([409, 'OverQuota']);
    expect(second.body.NeutronError.message).toBe("Quota exceeded for resources: ['network'].");
    await create(c, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.60.0.0/24' });
    expect(fault(await c.call('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.61.0.0/24' } }))).toEqual([409, 'OverQuota']);
    await create(c, 'port', { network_id: n.id });
    await create(c, 'port', { network_id: n.id });
    expect(fault(await c.call('POST', 'ports', { port: { network_id: n.id } }))).toEqual([409, 'OverQuota']);
    expect(fault(await c.call('POST', 'routers', { router: { name: 'r' } }))).toEqual([409, 'OverQuota']);
    // The default group (made with the network) counts: one more group fits, with its two egress rules.
    const g = await create(c, 'security_group', { name: 'g' }, 'security-groups');
    expect(fault(await c.call('POST', 'security-groups', { security_group: { name: 'h' } }))).toEqual([409, 'OverQuota']);
    const rule = { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 };
    await create(c, 'security_group_rule', rule, 'security-group-rules');
    expect(fault(await c.call('POST', 'security-group-rules', { security_group_rule: { ...rule, port_range_min: 80, port_range_max: 80 } }))).toEqual([409, 'OverQuota']);
    const details = await c.call('GET', `quotas/${c.projectId}/details`);
    expect(details.body.quota).toEqual({
      network: { limit: 1, used: 1, reserved: 0 },
      subnet: { limit: 1, used: 1, reserved: 0 },
      port: { limit: 2, used: 2, reserved: 0 },
      router: { limit: 0, used: 0, reserved: 0 },
      floatingip: { limit: 0, used: 0, reserved: 0 },
      security_group: { limit: 2, used: 2, reserved: 0 },
      security_group_rule: { limit: 7, used: 7, reserved: 0 },
    });
    expect((await c.call('GET', `quotas/${c.projectId}/details.json`)).body).toEqual(details.body);
    // Nothing half-made by the refusals.
    expect((await c.call('GET', 'networks')).body.networks).toHaveLength(1);
    expect((await c.call('GET', 'ports')).body.ports).toHaveLength(2);
  });
});
