import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkCloud, type NetworkClient, type NetworkCloud } from './network-cloud.ts';

let cloud: NetworkCloud;
let alice: NetworkClient;
let bob: NetworkClient;

beforeAll(async () => {
  cloud = await startNetworkCloud();
  alice = await cloud.member();
  bob = await cloud.member();
}, 120_000);
afterAll(async () => {
  await cloud?.close();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
async function create(c: NetworkClient, kind: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await c.call('POST', `${kind}s`, { [kind]: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body[kind];
}

describe('subnets', () => {
  it('derives gateway and pools for IPv4 and IPv6 and shows the subnet on its network', async () => {
    const n = await create(alice, 'network', { name: 'n' });
    const v4 = await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.1.0.0/24', dns_nameservers: ['8.8.8.8'] });
    expect(v4).toMatchObject({ gateway_ip: '10.1.0.1', allocation_pools: [{ start: '10.1.0.2', end: '10.1.0.254' }], enable_dhcp: true, dns_nameservers: ['8.8.8.8'], ip_version: 4, revision_number: 1 });
    const v6 = await create(alice, 'subnet', { network_id: n.id, ip_version: 6, cidr: '2001:DB8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    expect(v6).toMatchObject({ cidr: '2001:db8:1::/64', gateway_ip: '2001:db8:1::1', ipv6_address_mode: 'slaac' });
    const shown = await alice.call('GET', `networks/${n.id}`);
    expect(shown.body.network.subnets).toEqual([v4.id, v6.id]);
    expect(cloud.driver.inspect('dhcp_options', v4.id)).toMatchObject({ cidr: '10.1.0.0/24', options: { router: '10.1.0.1', dns_server: '{8.8.8.8}' } });
  });

  it('answers bad subnets with Neutron faults and writes nothing', async () => {
    const n = await create(alice, 'network', { name: 'n' });
    await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.2.0.0/24' });
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ cidr: '10.2.0.0/16' }, 400], // overlaps
      [{ cidr: '10.3.0.1/24' }, 400], // host bits
      [{ cidr: 'banana' }, 400],
      [{ cidr: '10.4.0.0/24', gateway_ip: '10.5.0.1' }, 400], // gateway outside
      [{ cidr: '10.4.0.0/24', allocation_pools: [{ start: '10.4.0.1', end: '10.4.0.9' }] }, 409], // holds the gateway
      [{ cidr: '10.4.0.0/24', allocation_pools: [{ start: '10.4.1.1', end: '10.4.1.9' }] }, 400],
      [{ cidr: '2001:db8::/64' }, 400], // version mismatch
    ];
    for (const [extra, status] of cases) {
      const r = await alice.call('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 4, ...extra } });
      expect(r.status, JSON.stringify(extra)).toBe(status);
      expect(r.body.NeutronError.type).toBeTypeOf('string');
    }
    const list = await alice.call('GET', `subnets?network_id=${n.id}`);
    expect(list.body.subnets).toHaveLength(1);
    const v6bad = await alice.call('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 6, cidr: '2001:db8:9::/80', ipv6_address_mode: 'slaac' } });
    expect(v6bad.status).toBe(400);
  });

  it('cannot be created on another project\'s private network', async () => {
    const n = await create(alice, 'network', { name: 'private' });
    const r = await bob.call('POST', 'subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.9.0.0/24' } });
    expect(r.status).toBe(404);
  });
});

describe('ports', () => {
  it('gets a MAC and the next free address, and reaches the data plane', async () => {
    const n = await create(alice, 'network', { name: 'n' });
    const s = await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.10.0.0/24' });
    const p1 = await create(alice, 'port', { network_id: n.id, name: 'p1' });
    expect(p1.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(p1.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '10.10.0.2' }]);
    expect(p1).toMatchObject({ status: 'DOWN', device_owner: '', port_security_enabled: true, project_id: alice.projectId });
    expect(p1).not.toHaveProperty('binding:host_id');
    const p2 = await create(alice, 'port', { network_id: n.id });
    expect(p2.fixed_ips[0].ip_address).toBe('10.10.0.3');
    expect(cloud.driver.inspect('logical_switch_port', p1.id)).toMatchObject({ macAddress: p1.mac_address, ipAddresses: ['10.10.0.2'], dhcpSubnetIds: [s.id] });
    const byIp = await alice.call('GET', 'ports?fixed_ips=ip_address=10.10.0.3');
    expect(byIp.body.ports.map((p: { id: string }) => p.id)).toEqual([p2.id]);
  });

  it('takes requested fixed IPs, refuses used and foreign ones, and gives SLAAC ports their EUI-64 address', async () => {
    const n = await create(alice, 'network', { name: 'n' });
    const s = await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.11.0.0/24' });
    const v6 = await create(alice, 'subnet', { network_id: n.id, ip_version: 6, cidr: '2001:db8:11::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    const p = await create(alice, 'port', { network_id: n.id, mac_address: 'fa:16:3e:aa:bb:cc', fixed_ips: [{ ip_address: '10.11.0.50' }, { subnet_id: v6.id }] });
    expect(p.fixed_ips).toEqual([
      { subnet_id: s.id, ip_address: '10.11.0.50' },
      { subnet_id: v6.id, ip_address: '2001:db8:11:0:f816:3eff:feaa:bbcc' },
    ]);
    const used = await alice.call('POST', 'ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.11.0.50' }] } });
    expect(used.status).toBe(409);
    expect(used.body.NeutronError.type).toBe('IpAddressInUse');
    const outside = await alice.call('POST', 'ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '10.12.0.5' }] } });
    expect(outside.status).toBe(400);
    expect(outside.body.NeutronError.type).toBe('InvalidIpForSubnet');
    const mac = await alice.call('POST', 'ports', { port: { network_id: n.id, mac_address: 'fa:16:3e:aa:bb:cc' } });
    expect(mac.status).toBe(409);
    expect(mac.body.NeutronError.type).toBe('MacAddressInUse');
    const ports = await alice.call('GET', `ports?network_id=${n.id}`);
    expect(ports.body.ports).toHaveLength(1);
  });

  it('changes fixed IPs, binds to a host (admin) and frees addresses on delete', async () => {
    const n = await create(alice, 'network', { name: 'n' });
    const s = await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.13.0.0/24' });
    const p = await create(alice, 'port', { network_id: n.id });
    const moved = await alice.call('PUT', `ports/${p.id}`, { port: { fixed_ips: [{ subnet_id: s.id, ip_address: '10.13.0.77' }] } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.port.fixed_ips).toEqual([{ subnet_id: s.id, ip_address: '10.13.0.77' }]);
    expect(moved.body.port.revision_number).toBe(2);
    expect((await alice.call('PUT', `ports/${p.id}`, { port: { 'binding:host_id': 'compute-1' } })).status).toBe(403);
    const bound = await cloud.admin.call('PUT', `ports/${p.id}`, { port: { 'binding:host_id': 'compute-1' } });
    expect(bound.body.port).toMatchObject({ 'binding:host_id': 'compute-1', 'binding:vif_type': 'ovs' });
    await expect.poll(async () => (await alice.call('GET', `ports/${p.id}`)).body.port.status, { timeout: 30_000 }).toBe('ACTIVE');
    // The network is in use while the port exists.
    const busy = await alice.call('DELETE', `networks/${n.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.NeutronError.type).toBe('NetworkInUse');
    expect((await alice.call('DELETE', `subnets/${s.id}`)).body.NeutronError.type).toBe('SubnetInUse');
    expect((await bob.call('DELETE', `ports/${p.id}`)).status).toBe(404);
    expect((await alice.call('DELETE', `ports/${p.id}`)).status).toBe(204);
    expect(cloud.driver.inspect('logical_switch_port', p.id)).toBeUndefined();
    const again = await create(alice, 'port', { network_id: n.id, fixed_ips: [{ ip_address: '10.13.0.77' }] });
    expect(again.fixed_ips[0].ip_address).toBe('10.13.0.77');
    await alice.call('DELETE', `ports/${again.id}`);
    expect((await alice.call('DELETE', `networks/${n.id}`)).status).toBe(204);
    expect((await alice.call('GET', `subnets/${s.id}`)).status).toBe(404);
    expect(cloud.driver.inspect('logical_switch', n.id)).toBeUndefined();
  });

  it('lets another project use a shared network but not see the owner\'s ports', async () => {
    const n = await create(cloud.admin, 'network', { name: 'shared', shared: true });
    await create(cloud.admin, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.14.0.0/24' });
    const p = await create(bob, 'port', { network_id: n.id });
    expect(p.project_id).toBe(bob.projectId);
    const aliceView = await alice.call('GET', `ports?network_id=${n.id}`);
    expect(aliceView.body.ports).toEqual([]);
    const fixed = await bob.call('POST', 'ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.14.0.99' }] } });
    expect(fixed.status).toBe(403);
  });

  it('allocates distinct addresses to concurrent port creates', async () => {
    const n = await create(alice, 'network', { name: 'busy' });
    await create(alice, 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.15.0.0/27' });
    const rs = await Promise.all(Array.from({ length: 20 }, () => alice.call('POST', 'ports', { port: { network_id: n.id } })));
    expect(rs.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ips = rs.map((r) => r.body.port.fixed_ips[0].ip_address);
    expect(new Set(ips).size).toBe(20);
  });
});
