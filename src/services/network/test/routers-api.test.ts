import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkCloud, type NetworkClient, type NetworkCloud } from './network-cloud.ts';

let cloud: NetworkCloud;
let alice: NetworkClient;
let bob: NetworkClient;
/* eslint-disable @typescript-eslint/no-explicit-any */
let pub: Record<string, any>;
let pubSubnet: Record<string, any>;

async function create(c: NetworkClient, kind: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await c.call('POST', `${kind}s`, { [kind]: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body[kind];
}
const put = (c: NetworkClient, path: string, body: unknown) => c.call('PUT', path, body);
const fault = (r: { status: number; body: any }) => [r.status, r.body?.NeutronError?.type];

beforeAll(async () => {
  cloud = await startNetworkCloud();
  alice = await cloud.member();
  bob = await cloud.member();
  pub = await create(cloud.admin, 'network', { name: 'public', 'router:external': true });
  pubSubnet = await create(cloud.admin, 'subnet', { network_id: pub.id, ip_version: 4, cidr: '203.0.113.0/24' });
}, 120_000);
afterAll(async () => {
  await cloud?.close();
});

async function privateNet(c: NetworkClient, cidr: string) {
  const n = await create(c, 'network', { name: `net-${cidr}` });
  const s = await create(c, 'subnet', { network_id: n.id, ip_version: 4, cidr });
  return { n, s };
}

describe('routers', () => {
  it('sets an external gateway with SNAT, attaches subnets and refuses overlapping ones', async () => {
    const { n, s } = await privateNet(alice, '10.30.0.0/24');
    const notExternal = await alice.call('POST', 'routers', { router: { name: 'r', external_gateway_info: { network_id: n.id } } });
    expect(fault(notExternal)).toEqual([400, 'BadRequest']);
    const snatOff = await alice.call('POST', 'routers', { router: { name: 'r', external_gateway_info: { network_id: pub.id, enable_snat: false } } });
    expect(fault(snatOff)).toEqual([403, 'PolicyNotAuthorized']);
    const r = await create(alice, 'router', { name: 'r1', external_gateway_info: { network_id: pub.id } });
    expect(r).toMatchObject({ name: 'r1', status: 'ACTIVE', admin_state_up: true, routes: [], project_id: alice.projectId, tags: [] });
    expect(r.external_gateway_info).toMatchObject({ network_id: pub.id, enable_snat: true, external_fixed_ips: [{ subnet_id: pubSubnet.id, ip_address: expect.stringMatching(/^203\.0\.113\./) }] });
    const gwIp = r.external_gateway_info.external_fixed_ips[0].ip_address;

    const added = await put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: s.id });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body).toMatchObject({ id: r.id, subnet_id: s.id, subnet_ids: [s.id], network_id: n.id, project_id: alice.projectId, port_id: expect.any(String) });
    const port = (await alice.call('GET', `ports/${added.body.port_id}`)).body.port;
    expect(port).toMatchObject({ device_owner: 'network:router_interface', device_id: r.id, fixed_ips: [{ subnet_id: s.id, ip_address: '10.30.0.1' }], security_groups: [] });
    expect(cloud.driver.inspect('logical_router_port', port.id)).toMatchObject({ routerId: r.id, networks: ['10.30.0.1/24'], gateway: false });
    expect(cloud.driver.inspect('nat', s.id)).toMatchObject({ type: 'snat', routerId: r.id, externalIp: gwIp, logicalIp: '10.30.0.0/24' });

    const again = await put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: s.id });
    expect(fault(again)).toEqual([400, 'BadRequest']);
    const wide = await privateNet(alice, '10.30.0.0/16');
    const overlap = await put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: wide.s.id });
    expect(fault(overlap)).toEqual([400, 'BadRequest']);
    expect(overlap.body.NeutronError.message).toContain('overlaps with cidr 10.30.0.0/24');
    expect((await alice.call('GET', `ports?network_id=${wide.n.id}`)).body.ports).toEqual([]);

    expect(fault(await alice.call('DELETE', `ports/${port.id}`))).toEqual([409, 'L3PortInUse']);
    expect(fault(await alice.call('DELETE', `subnets/${s.id}`))).toEqual([409, 'SubnetInUse']);
    expect(fault(await alice.call('DELETE', `routers/${r.id}`))).toEqual([409, 'RouterInUse']);
    expect((await bob.call('GET', `routers/${r.id}`)).status).toBe(404);
    expect(fault(await put(bob, `routers/${r.id}/add_router_interface`, { subnet_id: s.id }))).toEqual([404, 'RouterNotFound']);

    // SNAT off (admin), then the gateway goes and the router can be taken apart.
    const off = await put(cloud.admin, `routers/${r.id}`, { router: { external_gateway_info: { network_id: pub.id, enable_snat: false } } });
    expect(off.body.router.external_gateway_info).toMatchObject({ enable_snat: false, external_fixed_ips: [{ ip_address: gwIp }] });
    expect(cloud.driver.inspect('nat', s.id)).toBeUndefined();
    const removed = await put(alice, `routers/${r.id}/remove_router_interface`, { subnet_id: s.id });
    expect(removed.body).toMatchObject({ port_id: port.id, subnet_id: s.id });
    expect((await alice.call('GET', `ports/${port.id}`)).status).toBe(404);
    expect(cloud.driver.inspect('logical_router_port', port.id)).toBeUndefined();
    expect(fault(await put(alice, `routers/${r.id}/remove_router_interface`, { subnet_id: s.id }))).toEqual([404, 'RouterInterfaceNotFoundForSubnet']);
    const gwPort = (await cloud.admin.call('GET', `ports?device_owner=network:router_gateway&device_id=${r.id}`)).body.ports[0];
    expect(cloud.driver.inspect('logical_router_port', gwPort.id)).toMatchObject({ gateway: true, networks: [`${gwIp}/24`] });
    expect(cloud.driver.inspect('logical_switch_port', gwPort.id)).toMatchObject({ networkId: pub.id, portSecurity: [] });
    const cleared = await put(alice, `routers/${r.id}`, { router: { external_gateway_info: {} } });
    expect(cloud.driver.inspect('logical_router_port', gwPort.id)).toBeUndefined();
    expect(cloud.driver.inspect('logical_switch_port', gwPort.id)).toBeUndefined();
    expect(cleared.body.router.external_gateway_info).toBeNull();
    expect((await cloud.admin.call('GET', `ports?network_id=${pub.id}&device_owner=network:router_gateway&device_id=${r.id}`)).body.ports).toEqual([]);
    expect((await alice.call('DELETE', `routers/${r.id}`)).status).toBe(204);
    expect(cloud.driver.inspect('logical_router', r.id)).toBeUndefined();
  });

  it('attaches a user port as an interface and keeps it to one router', async () => {
    const { n } = await privateNet(alice, '10.31.0.0/24');
    const r1 = await create(alice, 'router', { name: 'a' });
    const r2 = await create(alice, 'router', { name: 'b' });
    const p = await create(alice, 'port', { network_id: n.id, fixed_ips: [{ ip_address: '10.31.0.254' }] });
    const added = await put(alice, `routers/${r1.id}/add_router_interface`, { port_id: p.id });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await alice.call('GET', `ports/${p.id}`)).body.port).toMatchObject({ device_owner: 'network:router_interface', device_id: r1.id, security_groups: [] });
    expect(fault(await put(alice, `routers/${r2.id}/add_router_interface`, { port_id: p.id }))).toEqual([409, 'PortInUse']);
    // Readdressing the interface port moves the router port's address with it.
    const moved = await alice.call('PUT', `ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.31.0.253' }] } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(cloud.driver.inspect('logical_router_port', p.id)).toMatchObject({ networks: ['10.31.0.253/24'], revision: moved.body.port.revision_number });
    expect(fault(await put(alice, `routers/${r1.id}/add_router_interface`, {}))).toEqual([400, 'BadRequest']);
    expect((await put(alice, `routers/${r1.id}/remove_router_interface`, { port_id: p.id })).status).toBe(200);
    expect((await alice.call('GET', `ports/${p.id}`)).status).toBe(404);
  });

  it('keeps extra routes whose next hop is on an attached subnet', async () => {
    const { s } = await privateNet(alice, '10.32.0.0/24');
    const r = await create(alice, 'router', { name: 'routes' });
    expect((await put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: s.id })).status).toBe(200);
    const bad = await put(alice, `routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '192.168.9.9' }] } });
    expect(fault(bad)).toEqual([400, 'InvalidRoutes']);
    const self = await put(alice, `routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.32.0.1' }] } });
    expect(fault(self)).toEqual([400, 'InvalidRoutes']);
    const ok = await put(alice, `routers/${r.id}`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.32.0.50' }] } });
    expect(ok.body.router.routes).toEqual([{ destination: '172.16.0.0/16', nexthop: '10.32.0.50' }]);
    const more = await put(alice, `routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '172.17.0.0/16', nexthop: '10.32.0.51' }] } });
    expect(more.body.router.routes).toHaveLength(2);
    expect(cloud.driver.inspect('logical_router', r.id)).toMatchObject({ staticRoutes: more.body.router.routes, revision: more.body.router.revision_number });
    expect(fault(await put(alice, `routers/${r.id}/remove_router_interface`, { subnet_id: s.id }))).toEqual([409, 'RouterInterfaceInUseByRoute']);
    const fewer = await put(alice, `routers/${r.id}/remove_extraroutes`, { router: { routes: [{ destination: '172.16.0.0/16', nexthop: '10.32.0.50' }] } });
    expect(fewer.body.router.routes).toEqual([{ destination: '172.17.0.0/16', nexthop: '10.32.0.51' }]);
    expect((await put(alice, `routers/${r.id}/tags/edge`, undefined)).status).toBe(201);
    expect((await put(alice, `routers/${r.id}`, { router: { routes: null } })).body.router.routes).toEqual([]);
    expect((await alice.call('GET', 'routers?tags=edge&fields=id')).body.routers).toEqual([{ id: r.id }]);
  });
});

describe('floating IPs', () => {
  it('are created on external networks and associated through a router with a gateway there', async () => {
    const { n, s } = await privateNet(alice, '10.40.0.0/24');
    const vm = await create(alice, 'port', { network_id: n.id, name: 'vm' });
    const onPrivate = await alice.call('POST', 'floatingips', { floatingip: { floating_network_id: n.id } });
    expect(fault(onPrivate)).toEqual([400, 'BadRequest']);
    const chosen = await alice.call('POST', 'floatingips', { floatingip: { floating_network_id: pub.id, floating_ip_address: '203.0.113.200' } });
    expect(fault(chosen)).toEqual([403, 'PolicyNotAuthorized']);
    const fip = await create(alice, 'floatingip', { floating_network_id: pub.id, description: 'web' });
    expect(fip).toMatchObject({ status: 'DOWN', router_id: null, port_id: null, fixed_ip_address: null, port_details: null, project_id: alice.projectId, floating_ip_address: expect.stringMatching(/^203\.0\.113\./) });
    // Not reachable yet: no router joins the subnet to the external network.
    const unreachable = await put(alice, `floatingips/${fip.id}`, { floatingip: { port_id: vm.id } });
    expect(fault(unreachable)).toEqual([404, 'ExternalGatewayForFloatingIPNotFound']);
    const r = await create(alice, 'router', { name: 'edge', external_gateway_info: { network_id: pub.id } });
    expect((await put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: s.id })).status).toBe(200);
    const assoc = await put(alice, `floatingips/${fip.id}`, { floatingip: { port_id: vm.id } });
    expect(assoc.status, JSON.stringify(assoc.body)).toBe(200);
    expect(assoc.body.floatingip).toMatchObject({ status: 'ACTIVE', router_id: r.id, port_id: vm.id, fixed_ip_address: vm.fixed_ips[0].ip_address, port_details: { network_id: n.id, mac_address: vm.mac_address, name: 'vm' } });
    expect(cloud.driver.inspect('nat', fip.id)).toMatchObject({ type: 'dnat_and_snat', routerId: r.id, externalIp: fip.floating_ip_address, logicalIp: vm.fixed_ips[0].ip_address, logicalPort: vm.id });
    const second = await create(alice, 'floatingip', { floating_network_id: pub.id });
    expect(fault(await put(alice, `floatingips/${second.id}`, { floatingip: { port_id: vm.id } }))).toEqual([409, 'FloatingIPPortAlreadyAssociated']);
    expect(fault(await put(bob, `floatingips/${fip.id}`, { floatingip: { port_id: null } }))).toEqual([404, 'FloatingIPNotFound']);
    const bobFip = await create(bob, 'floatingip', { floating_network_id: pub.id });
    expect(fault(await put(bob, `floatingips/${bobFip.id}`, { floatingip: { port_id: vm.id } }))).toEqual([404, 'PortNotFound']);
    // What the floating IP needs stays.
    expect(fault(await put(alice, `routers/${r.id}/remove_router_interface`, { subnet_id: s.id }))).toEqual([409, 'RouterInterfaceInUseByFloatingIP']);
    expect(fault(await put(alice, `routers/${r.id}`, { router: { external_gateway_info: null } }))).toEqual([409, 'RouterExternalGatewayInUseByFloatingIp']);
    expect(fault(await cloud.admin.call('PUT', `networks/${pub.id}`, { network: { 'router:external': false } }))).toEqual([409, 'ExternalNetworkInUse']);
    // Disassociate, associate again, then the port goes and takes the association with it.
    const off = await put(alice, `floatingips/${fip.id}`, { floatingip: { port_id: null } });
    expect(off.body.floatingip).toMatchObject({ status: 'DOWN', router_id: null, port_id: null, fixed_ip_address: null });
    expect(cloud.driver.inspect('nat', fip.id)).toBeUndefined();
    expect((await put(alice, `floatingips/${fip.id}`, { floatingip: { port_id: vm.id } })).status).toBe(200);
    expect((await alice.call('DELETE', `ports/${vm.id}`)).status).toBe(204);
    expect((await alice.call('GET', `floatingips/${fip.id}`)).body.floatingip).toMatchObject({ status: 'DOWN', port_id: null, router_id: null });
    expect(cloud.driver.inspect('nat', fip.id)).toBeUndefined();
    const mine = await alice.call('GET', `floatingips?floating_network_id=${pub.id}`);
    expect(mine.body.floatingips.map((f: any) => f.id).sort()).toEqual([fip.id, second.id].sort());
    // Deleting frees the address on the external network.
    const fipPort = (await cloud.admin.call('GET', `ports?device_id=${fip.id}`)).body.ports[0];
    expect(fipPort).toMatchObject({ device_owner: 'network:floatingip', network_id: pub.id });
    expect(fault(await cloud.admin.call('DELETE', `ports/${fipPort.id}`))).toEqual([409, 'L3PortInUse']);
    expect((await alice.call('DELETE', `floatingips/${fip.id}`)).status).toBe(204);
    expect((await cloud.admin.call('GET', `ports/${fipPort.id}`)).status).toBe(404);
    expect((await alice.call('GET', `floatingips/${fip.id}`)).status).toBe(404);
  });
});

describe('races', () => {
  it('lets one of two overlapping subnets join a router, and one of two floating IPs take a fixed IP', async () => {
    const a = await privateNet(alice, '10.50.0.0/24');
    const b = await privateNet(alice, '10.50.0.0/25');
    const r = await create(alice, 'router', { name: 'race', external_gateway_info: { network_id: pub.id } });
    const both = await Promise.all([a, b].map((x) => put(alice, `routers/${r.id}/add_router_interface`, { subnet_id: x.s.id })));
    expect(both.map((x) => x.status).sort()).toEqual([200, 400]);
    const joined = both.find((x) => x.status === 200)!.body.subnet_id;
    const net = joined === a.s.id ? a.n : b.n;
    const vm = await create(alice, 'port', { network_id: net.id });
    const fips = await Promise.all([1, 2, 3].map(() => create(alice, 'floatingip', { floating_network_id: pub.id })));
    const assoc = await Promise.all(fips.map((f) => put(alice, `floatingips/${f.id}`, { floatingip: { port_id: vm.id } })));
    expect(assoc.map((x) => x.status).sort()).toEqual([200, 409, 409]);
    const listed = await alice.call('GET', `floatingips?port_id=${vm.id}`);
    expect(listed.body.floatingips).toHaveLength(1);
  });
});
