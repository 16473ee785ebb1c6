import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { startNetworkCloud, type NetworkClient, type NetworkCloud } from './network-cloud.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function create(c: NetworkClient, kind: string, body: Record<string, unknown>, path = `${kind}s`): Promise<Record<string, any>> {
  const r = await c.call('POST', path, { [kind]: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body[kind];
}

// The service on each database, its pool serving concurrent requests on separate
// connections: what must hold under races is held by the database, not by this process.
describeEachDialect('network API races', (suite) => {
  let cloud: NetworkCloud;
  let alice: NetworkClient;

  beforeAll(async () => {
    cloud = await startNetworkCloud({ databaseUrl: suite.url });
    alice = await cloud.member();
  }, 180_000);
  afterAll(async () => {
    await cloud?.close();
  });

  it('one default security group per project, one of identical rules', async () => {
    const lists = await Promise.all(Array.from({ length: 6 }, () => alice.call('GET', 'security-groups?name=default')));
    expect(lists.map((l) => l.status)).toEqual(Array(6).fill(200));
    expect(new Set(lists.map((l) => l.body.security_groups.map((g: any) => g.id).join()))).toEqual(new Set([lists[0]!.body.security_groups[0].id]));
    const g = await create(alice, 'security_group', { name: 'race' }, 'security-groups');
    const body = { security_group_rule: { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443 } };
    const rs = await Promise.all(Array.from({ length: 6 }, () => alice.call('POST', 'security-group-rules', body)));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  }, 120_000);

  it('one of overlapping subnets joins a router; one floating IP per fixed IP', async () => {
    const pub = await create(cloud.admin, 'network', { name: 'public', 'router:external': true });
    await create(cloud.admin, 'subnet', { network_id: pub.id, ip_version: 4, cidr: '198.51.100.0/24' });
    const subnets = [];
    for (const cidr of ['10.70.0.0/24', '10.70.0.0/25', '10.70.0.128/25', '10.70.0.0/16']) {
      const n = await create(alice, 'network', { name: cidr });
      subnets.push(await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr }));
    }
    const r = await create(alice, 'router', { name: 'r', external_gateway_info: { network_id: pub.id } });
    const adds = await Promise.all(subnets.map((s) => alice.call('PUT', `routers/${r.id}/add_router_interface`, { subnet_id: s.id })));
    const statuses = adds.map((a) => a.status);
    // /25 halves do not overlap each other, so either one /24-or-/16 or both /25s may win.
    const joined = subnets.filter((_, i) => statuses[i] === 200).map((s) => s.cidr).sort();
    expect([['10.70.0.0/24'], ['10.70.0.0/16'], ['10.70.0.0/25', '10.70.0.128/25'], ['10.70.0.0/25'], ['10.70.0.128/25']]).toContainEqual(joined);
    for (const a of adds) expect([200, 400]).toContain(a.status);
    const winner = subnets.find((_, i) => statuses[i] === 200)!;
    const vm = await create(alice, 'port', { network_id: winner.network_id });
    const fips = await Promise.all([1, 2, 3, 4].map(() => create(alice, 'floatingip', { floating_network_id: pub.id })));
    const assoc = await Promise.all(fips.map((f) => alice.call('PUT', `floatingips/${f.id}`, { floatingip: { port_id: vm.id } })));
    expect(assoc.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect(new Set(fips.map((f) => f.floating_ip_address)).size).toBe(4);
  }, 120_000);
});
