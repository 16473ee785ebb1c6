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
async function create(c: NetworkClient, path: string, kind: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await c.call('POST', path, { [kind]: body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body[kind];
}
const sg = (c: NetworkClient, body: Record<string, unknown> = {}) => create(c, 'security-groups', 'security_group', { name: 'web', ...body });
const rule = (c: NetworkClient, body: Record<string, unknown>) => c.call('POST', 'security-group-rules', { security_group_rule: { direction: 'ingress', ...body } });
const defaultGroup = async (c: NetworkClient) => {
  const r = await c.call('GET', 'security-groups?name=default');
  expect(r.body.security_groups).toHaveLength(1);
  return r.body.security_groups[0] as Record<string, any>;
};

describe('security groups', () => {
  it('gives a project its default group on first use, with Neutron\'s default rules, once', async () => {
    const c = await cloud.member();
    const [a, b] = await Promise.all([c.call('GET', 'security-groups'), c.call('GET', 'security-groups')]);
    expect(a.body.security_groups).toHaveLength(1);
    expect(b.body.security_groups.map((g: any) => g.id)).toEqual(a.body.security_groups.map((g: any) => g.id));
    const d = a.body.security_groups[0];
    expect(d).toMatchObject({ name: 'default', description: 'Default security group', project_id: c.projectId, stateful: true, tags: [], revision_number: expect.any(Number) });
    const shape = d.security_group_rules
      .map((r: any) => `${r.direction} ${r.ethertype} ${r.protocol} ${r.remote_group_id === d.id ? 'self' : r.remote_group_id} ${r.remote_ip_prefix}`)
      .sort();
    expect(shape).toEqual(['egress IPv4 null null null', 'egress IPv6 null null null', 'ingress IPv4 null self null', 'ingress IPv6 null self null']);
    expect(cloud.driver.inspect('port_group', d.id)).toMatchObject({ securityGroupId: d.id, stateful: true, rules: expect.arrayContaining([expect.objectContaining({ direction: 'ingress', remoteGroupId: d.id })]) });
    // Creating a network makes another project's default group too.
    const other = await cloud.member();
    await create(other, 'networks', 'network', { name: 'n' });
    const admin = await cloud.admin.call('GET', `security-groups?project_id=${other.projectId}&name=default`);
    expect(admin.body.security_groups).toHaveLength(1);
  });

  it('creates groups with egress rules, updates them and refuses a second default', async () => {
    const g = await sg(alice, { description: 'web tier' });
    expect(g.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype}`).sort()).toEqual(['egress IPv4', 'egress IPv6']);
    const dup = await alice.call('POST', 'security-groups', { security_group: { name: 'default' } });
    expect(dup.status).toBe(409);
    expect(dup.body.NeutronError.type).toBe('SecurityGroupDefaultAlreadyExists');
    const upd = await alice.call('PUT', `security-groups/${g.id}`, { security_group: { name: 'web2', stateful: false } });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(upd.body.security_group).toMatchObject({ name: 'web2', stateful: false });
    expect(upd.body.security_group.revision_number).toBeGreaterThan(g.revision_number);
    expect(cloud.driver.inspect('port_group', g.id)).toMatchObject({ stateful: false, revision: upd.body.security_group.revision_number });
    const d = await defaultGroup(alice);
    const rename = await alice.call('PUT', `security-groups/${d.id}`, { security_group: { name: 'other' } });
    expect(rename.status).toBe(409);
    expect(rename.body.NeutronError.type).toBe('SecurityGroupCannotUpdateDefault');
    const del = await alice.call('DELETE', `security-groups/${d.id}`);
    expect(del.status).toBe(409);
    expect(del.body.NeutronError.type).toBe('SecurityGroupCannotRemoveDefault');
    expect((await bob.call('GET', `security-groups/${g.id}`)).status).toBe(404);
    expect((await bob.call('DELETE', `security-groups/${g.id}`)).body.NeutronError.type).toBe('SecurityGroupNotFound');
    expect((await alice.call('PUT', `security-groups/${g.id}/tags/red`)).status).toBe(201);
    expect((await alice.call('GET', `security-groups?tags=red&fields=id`)).body.security_groups).toEqual([{ id: g.id }]);
  });
});

describe('security group rules', () => {
  it('creates rules by protocol name or number, refuses duplicates and bad input, and reaches the port group', async () => {
    const g = await sg(alice);
    const ssh = await rule(alice, { security_group_id: g.id, protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '192.0.2.0/24' });
    expect(ssh.status, JSON.stringify(ssh.body)).toBe(201);
    expect(ssh.body.security_group_rule).toMatchObject({ security_group_id: g.id, ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '192.0.2.0/24', normalized_cidr: '192.0.2.0/24', remote_group_id: null, project_id: alice.projectId });
    const twin = await rule(alice, { security_group_id: g.id, protocol: '6', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '192.0.2.7/24' });
    expect(twin.status).toBe(409);
    expect(twin.body.NeutronError).toMatchObject({ type: 'SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${ssh.body.security_group_rule.id}.` });
    const icmp6 = await rule(alice, { security_group_id: g.id, ethertype: 'IPv6', protocol: 'icmp', port_range_min: 128, port_range_max: 0 });
    expect(icmp6.status).toBe(201);
    expect(icmp6.body.security_group_rule.protocol).toBe('ipv6-icmp');
    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ protocol: 'tcp', port_range_min: 100, port_range_max: 10 }, 400, 'SecurityGroupInvalidPortRange'],
      [{ protocol: 'banana' }, 400, 'SecurityGroupRuleInvalidProtocol'],
      [{ protocol: 'tcp', remote_ip_prefix: '2001:db8::/32' }, 400, 'SecurityGroupRuleParameterConflict'],
      [{ remote_ip_prefix: '10.0.0.0/8', remote_group_id: g.id }, 400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix'],
      [{ protocol: 'icmp', port_range_max: 4 }, 400, 'SecurityGroupMissingIcmpType'],
      [{ port_range_min: 1, port_range_max: 2 }, 400, 'SecurityGroupProtocolRequiredWithPorts'],
      [{ direction: 'sideways' }, 400, 'HTTPBadRequest'],
      [{ remote_group_id: '11111111-2222-4333-8444-555555555555' }, 404, 'SecurityGroupNotFound'],
      [{ remote_group_id: 'bad_group_id' }, 404, 'SecurityGroupNotFound'],
      [{ protocol: 'tcp', remote_ip_prefix: '256' }, 400, 'HTTPBadRequest'],
      [{ protocol: 'icmp', port_range_min: 1, port_range_max: 256 }, 400, 'SecurityGroupInvalidIcmpValue'],
      [{ protocol: 'tcp', port_range_min: -16, port_range_max: 80 }, 400, 'SecurityGroupInvalidPortValue'],
    ];
    for (const [body, status, type] of bad) {
      const r = await rule(alice, { security_group_id: g.id, ...body });
      expect([r.status, r.body.NeutronError?.type], JSON.stringify(body)).toEqual([status, type]);
    }
    const shown = await alice.call('GET', `security-groups/${g.id}`);
    expect(shown.body.security_group.security_group_rules).toHaveLength(4);
    const pg = cloud.driver.inspect('port_group', g.id) as any;
    expect(pg.revision).toBe(shown.body.security_group.revision_number);
    expect(pg.rules).toContainEqual({ ruleId: ssh.body.security_group_rule.id, direction: 'ingress', ethertype: 'IPv4', protocol: '6', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '192.0.2.0/24', remoteGroupId: null });
    // Another project can neither add to the group nor see its rules.
    expect((await rule(bob, { security_group_id: g.id, protocol: 'udp' })).status).toBe(404);
    expect((await bob.call('GET', `security-group-rules/${ssh.body.security_group_rule.id}`)).status).toBe(404);
    const listed = await alice.call('GET', `security-group-rules?security_group_id=${g.id}&protocol=tcp`);
    expect(listed.body.security_group_rules.map((r: any) => r.id)).toEqual([ssh.body.security_group_rule.id]);
    expect((await alice.call('DELETE', `security-group-rules/${ssh.body.security_group_rule.id}`)).status).toBe(204);
    expect((cloud.driver.inspect('port_group', g.id) as any).rules).toHaveLength(3);
    expect((await alice.call('GET', `security-group-rules/${ssh.body.security_group_rule.id}`)).status).toBe(404);
  });

  it('keeps one of two identical rules created at the same time', async () => {
    const g = await sg(alice);
    const body = { security_group_id: g.id, protocol: 'udp', port_range_min: 53, port_range_max: 53 };
    const rs = await Promise.all(Array.from({ length: 6 }, () => rule(alice, body)));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });
});

describe('ports and security groups', () => {
  it('puts ports in the default group, in named groups, or in none, and reaches the data plane', async () => {
    const c = await cloud.member();
    const n = await create(c, 'networks', 'network', { name: 'n' });
    await create(c, 'subnets', 'subnet', { network_id: n.id, ip_version: 4, cidr: '10.20.0.0/24' });
    const d = await defaultGroup(c);
    const web = await sg(c);
    const p1 = await create(c, 'ports', 'port', { network_id: n.id });
    expect(p1.security_groups).toEqual([d.id]);
    expect(await cloud.driver.portGroupMembers(d.id)).toEqual([p1.id]);
    const p2 = await create(c, 'ports', 'port', { network_id: n.id, security_groups: [web.id] });
    expect(p2.security_groups).toEqual([web.id]);
    const open = await create(c, 'ports', 'port', { network_id: n.id, port_security_enabled: false });
    expect(open.security_groups).toEqual([]);
    const conflict = await c.call('POST', 'ports', { port: { network_id: n.id, port_security_enabled: false, security_groups: [web.id] } });
    expect([conflict.status, conflict.body.NeutronError.type]).toEqual([400, 'PortSecurityAndIPRequiredForSecurityGroups']);
    const foreign = await sg(alice);
    const notMine = await c.call('POST', 'ports', { port: { network_id: n.id, security_groups: [foreign.id] } });
    expect([notMine.status, notMine.body.NeutronError.type]).toEqual([404, 'SecurityGroupNotFound']);
    const inWeb = await c.call('GET', `ports?security_groups=${web.id}&fields=id`);
    expect(inWeb.body.ports).toEqual([{ id: p2.id }]);
    const dhcp = await create(c, 'ports', 'port', { network_id: n.id, device_owner: 'network:dhcp' });
    expect(dhcp.security_groups).toEqual([]);
    // Moving a port between groups, and port security off only once it has no groups.
    const moved = await c.call('PUT', `ports/${p1.id}`, { port: { security_groups: [web.id, d.id] } });
    expect(moved.body.port.security_groups).toEqual([web.id, d.id].sort());
    expect(await cloud.driver.portGroupMembers(web.id)).toEqual([p1.id, p2.id].sort());
    const off = await c.call('PUT', `ports/${p1.id}`, { port: { port_security_enabled: false } });
    expect([off.status, off.body.NeutronError.type]).toEqual([409, 'PortSecurityPortHasSecurityGroup']);
    const offAndOut = await c.call('PUT', `ports/${p1.id}`, { port: { port_security_enabled: false, security_groups: [] } });
    expect(offAndOut.status).toBe(200);
    expect(await cloud.driver.portGroupMembers(d.id)).toEqual([]);
    // A group in use cannot go; once free it can, and rules elsewhere naming it go with it.
    const inUse = await c.call('DELETE', `security-groups/${web.id}`);
    expect([inUse.status, inUse.body.NeutronError.type]).toEqual([409, 'SecurityGroupInUse']);
    const db = await sg(c, { name: 'db' });
    const fromWeb = await rule(c, { security_group_id: db.id, protocol: 'tcp', port_range_min: 5432, port_range_max: 5432, remote_group_id: web.id });
    expect(fromWeb.status).toBe(201);
    expect((await c.call('DELETE', `ports/${p2.id}`)).status).toBe(204);
    expect((await c.call('DELETE', `security-groups/${web.id}`)).status).toBe(204);
    expect(cloud.driver.inspect('port_group', web.id)).toBeUndefined();
    expect((await c.call('GET', `security-group-rules/${fromWeb.body.security_group_rule.id}`)).status).toBe(404);
    expect(((cloud.driver.inspect('port_group', db.id) as any).rules as any[]).some((r) => r.remoteGroupId === web.id)).toBe(false);
    // An admin may delete a project's default group; the project gets a new one when next needed.
    expect((await cloud.admin.call('DELETE', `security-groups/${d.id}`)).status).toBe(204);
    const fresh = await defaultGroup(c);
    expect(fresh.id).not.toBe(d.id);
  });
});
