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

const net = async (c: NetworkClient, body: Record<string, unknown> = {}) => {
  const r = await c.call('POST', 'networks', { network: { name: 'n', ...body } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.network as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};

describe('networks', () => {
  it('creates a project network with standard attributes, a geneve segment and the data-plane switch', async () => {
    const n = await net(alice, { name: 'alice-net', description: 'mine' });
    expect(n).toMatchObject({ name: 'alice-net', description: 'mine', project_id: alice.projectId, tenant_id: alice.projectId, status: 'ACTIVE', shared: false, 'router:external': false, mtu: 1442, port_security_enabled: true, admin_state_up: true, subnets: [], tags: [], revision_number: 1 });
    expect(n.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Provider attributes are admin-only to read.
    expect(n).not.toHaveProperty('provider:network_type');
    const asAdmin = await cloud.admin.call('GET', `networks/${n.id}`);
    expect(asAdmin.body.network['provider:network_type']).toBe('geneve');
    expect(cloud.driver.inspect('logical_switch', n.id)).toMatchObject({ networkId: n.id, revision: 1, mtu: 1442 });
  });

  it('hides another project\'s private network (404) but shows shared ones', async () => {
    const mine = await net(alice);
    const other = await bob.call('GET', `networks/${mine.id}`);
    expect(other.status).toBe(404);
    expect(other.body.NeutronError).toMatchObject({ type: 'NetworkNotFound', message: `Network ${mine.id} could not be found.` });
    expect((await bob.call('DELETE', `networks/${mine.id}`)).status).toBe(404);
    const shared = await net(cloud.admin, { shared: true, name: 'public-ish' });
    expect((await bob.call('GET', `networks/${shared.id}`)).status).toBe(200);
    const list = await bob.call('GET', 'networks');
    const ids = list.body.networks.map((x: { id: string }) => x.id);
    expect(ids).toContain(shared.id);
    expect(ids).not.toContain(mine.id);
    // Visible but not bob's: changing it is forbidden, not hidden.
    const upd = await bob.call('PUT', `networks/${shared.id}`, { network: { name: 'x' } });
    expect(upd.status).toBe(403);
    expect(upd.body.NeutronError.type).toBe('PolicyNotAuthorized');
  });

  it('lets only admins set shared or provider attributes', async () => {
    const r = await alice.call('POST', 'networks', { network: { name: 's', shared: true } });
    expect(r.status).toBe(403);
    const vlan = await cloud.admin.call('POST', 'networks', { network: { name: 'v', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 101 } });
    expect(vlan.status, JSON.stringify(vlan.body)).toBe(201);
    expect(vlan.body.network).toMatchObject({ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 101, mtu: 1500 });
    const dup = await cloud.admin.call('POST', 'networks', { network: { name: 'v2', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 101 } });
    expect(dup.status).toBe(409);
    expect(dup.body.NeutronError.type).toBe('VlanIdInUse');
    const bad = await cloud.admin.call('POST', 'networks', { network: { 'provider:network_type': 'bogus' } });
    expect(bad.status).toBe(400);
  });

  it('rejects unknown attributes, bad values and read-only updates with HTTPBadRequest', async () => {
    const unknown = await alice.call('POST', 'networks', { network: { name: 'x', color: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.NeutronError).toMatchObject({ type: 'HTTPBadRequest', message: "Unrecognized attribute(s) 'color'" });
    expect((await alice.call('POST', 'networks', { network: { admin_state_up: 'maybe' } })).status).toBe(400);
    expect((await alice.call('POST', 'networks', { nets: {} })).status).toBe(400);
    const n = await net(alice);
    expect((await alice.call('PUT', `networks/${n.id}`, { network: { id: 'x' } })).status).toBe(400);
    expect((await alice.call('PUT', `networks/${n.id}`, { network: { mtu: 9000 } })).status).toBe(400);
  });

  it('updates bump the revision and reach the data plane', async () => {
    const n = await net(alice);
    const r = await alice.call('PUT', `networks/${n.id}`, { network: { name: 'renamed', mtu: 1400 } });
    expect(r.status).toBe(200);
    expect(r.body.network).toMatchObject({ name: 'renamed', mtu: 1400, revision_number: 2 });
    expect(cloud.driver.inspect('logical_switch', n.id)).toMatchObject({ name: 'renamed', mtu: 1400, revision: 2 });
  });

  it('lists with fields, filters, sorting and Neutron pagination links', async () => {
    const c = await cloud.member();
    for (const name of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) await net(c, { name });
    const fields = await c.call('GET', 'networks?fields=id&fields=name&name=p-c');
    expect(fields.body.networks).toEqual([{ id: expect.any(String), name: 'p-c' }]);
    const any = await c.call('GET', 'networks?name=p-a&name=p-e&sort_key=name&sort_dir=desc');
    expect(any.body.networks.map((x: { name: string }) => x.name)).toEqual(['p-e', 'p-a']);
    expect((await c.call('GET', 'networks?sort_key=name')).status).toBe(400);
    expect((await c.call('GET', 'networks?colour=red')).status).toBe(400);
    const names: string[] = [];
    let next: string | undefined = `${cloud.url}/v2.0/networks?sort_key=name&sort_dir=asc&limit=2&shared=false`;
    let pages = 0;
    while (next && pages < 10) {
      const page = await c.call('GET', next.slice(cloud.url.length));
      expect(page.status).toBe(200);
      names.push(...page.body.networks.map((x: { name: string }) => x.name));
      next = page.body.networks_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
      pages++;
    }
    expect(names).toEqual(['p-a', 'p-b', 'p-c', 'p-d', 'p-e']);
    const second = await c.call('GET', `networks?sort_key=name&sort_dir=asc&limit=2&marker=${(await c.call('GET', 'networks?name=p-c')).body.networks[0].id}&page_reverse=True`);
    expect(second.body.networks.map((x: { name: string }) => x.name)).toEqual(['p-a', 'p-b']);
  });

  it('tags a network and filters by tags', async () => {
    const n = await net(alice, { name: 'tagged' });
    expect((await alice.call('PUT', `networks/${n.id}/tags`, { tags: ['red', 'blue'] })).body).toEqual({ tags: ['blue', 'red'] });
    expect((await alice.call('PUT', `networks/${n.id}/tags/green`)).status).toBe(201);
    expect((await alice.call('GET', `networks/${n.id}/tags/green`)).status).toBe(204);
    expect((await alice.call('GET', `networks?tags=red,green&fields=id`)).body.networks).toEqual([{ id: n.id }]);
    expect((await alice.call('GET', `networks?not-tags-any=red&fields=id`)).body.networks).not.toContainEqual({ id: n.id });
    expect((await alice.call('DELETE', `networks/${n.id}/tags/nope`)).status).toBe(404);
    expect((await bob.call('GET', `networks/${n.id}/tags`)).status).toBe(404);
    const shown = await alice.call('GET', `networks/${n.id}`);
    expect(shown.body.network.tags).toEqual(['blue', 'green', 'red']);
  });

  it('lists exactly the extensions that exist', async () => {
    const r = await alice.call('GET', 'extensions');
    const aliases = r.body.extensions.map((e: { alias: string }) => e.alias);
    expect(aliases).toContain('standard-attr-tag');
    for (const a of ['router', 'security-group', 'extraroute', 'ext-gw-mode']) expect(aliases).toContain(a);
    for (const a of ['qos', 'trunk', 'l3-ha', 'dvr', 'rbac-policies']) expect(aliases).not.toContain(a);
    expect((await alice.call('GET', 'extensions/router')).status).toBe(200);
    expect((await alice.call('GET', 'extensions/qos')).status).toBe(404);
    expect((await alice.call('GET', '/')).body.versions[0].id).toBe('v2.0');
  });
});
