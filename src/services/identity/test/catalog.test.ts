import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { createService, seedMember } from './fixtures.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let memberToken: string;

// Every dialect: cascades, transactions and the joins of the catalog differ per database.
describeEachDialect('identity catalog', (suite) => {
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
    memberToken = (await seedMember(h)).token;
  });
  afterAll(async () => h?.close());

  const admin = (method: string, url: string, body?: unknown) =>
    h.request(method, url, { token: h.adminToken, body });

  describe('regions', () => {
    it('creates with a generated id, shows, lists and filters by parent', async () => {
      const parent = await admin('POST', '/v3/regions', { region: { description: 'parent' } });
      expect(parent.status).toBe(201);
      expect(parent.body.region).toMatchObject({ description: 'parent', parent_region_id: null });
      expect(parent.body.region.id).toMatch(/^[0-9a-f]{32}$/);
      expect(parent.body.region.links.self).toMatch(
        new RegExp(`/v3/regions/${parent.body.region.id}$`),
      );

      const child = await admin('POST', '/v3/regions', {
        region: { description: 'child', parent_region_id: parent.body.region.id, colour: 'blue' },
      });
      expect(child.status).toBe(201);
      expect(child.body.region).toMatchObject({
        parent_region_id: parent.body.region.id,
        colour: 'blue',
      });

      const shown = await admin('GET', `/v3/regions/${child.body.region.id}`);
      expect(shown.body.region).toEqual(child.body.region);

      const all = await admin('GET', '/v3/regions');
      expect(all.body.regions).toContainEqual(parent.body.region);
      expect(all.body.regions.map((r: { id: string }) => r.id)).toContain('RegionOne');

      const filtered = await admin('GET', `/v3/regions?parent_region_id=${parent.body.region.id}`);
      expect(filtered.body.regions).toEqual([child.body.region]);
    });

    it('creates with a chosen id through PUT and refuses a second one', async () => {
      const put = await admin('PUT', '/v3/regions/Region-Two', { region: { description: 'two' } });
      expect(put.status).toBe(201);
      expect(put.body.region.id).toBe('Region-Two');
      const again = await admin('PUT', '/v3/regions/Region-Two', { region: {} });
      expect(again.status).toBe(409);
      const viaPost = await admin('POST', '/v3/regions', { region: { id: 'Region-Two' } });
      expect(viaPost.status).toBe(409);
      const mismatch = await admin('PUT', '/v3/regions/Region-Three', { region: { id: 'Other' } });
      expect(mismatch.status).toBe(400);
    });

    it('refuses a missing parent (404), a cycle and an id change (400)', async () => {
      const orphan = await admin('POST', '/v3/regions', {
        region: { parent_region_id: 'no-such-region' },
      });
      expect(orphan.status).toBe(404);
      const a = (await admin('POST', '/v3/regions', { region: {} })).body.region.id as string;
      const b = (await admin('POST', '/v3/regions', { region: { parent_region_id: a } })).body
        .region.id as string;
      const cycle = await admin('PATCH', `/v3/regions/${a}`, { region: { parent_region_id: b } });
      expect(cycle.status).toBe(400);
      expect(cycle.body.error.message).toContain('circular');
      expect(
        (await admin('PATCH', `/v3/regions/${a}`, { region: { parent_region_id: a } })).status,
      ).toBe(400);
      expect(
        (await admin('PATCH', `/v3/regions/${a}`, { region: { parent_region_id: 'nope' } })).status,
      ).toBe(404);
      expect((await admin('PATCH', `/v3/regions/${a}`, { region: { id: 'renamed' } })).status).toBe(
        400,
      );
      expect((await admin('PATCH', `/v3/regions/${a}`, { region: {} })).status).toBe(400);
      expect(
        (await admin('PATCH', `/v3/regions/${a}`, { region: { description: 5 } })).status,
      ).toBe(400);
    });

    it('updates description and parent', async () => {
      const p1 = (await admin('POST', '/v3/regions', { region: {} })).body.region.id as string;
      const p2 = (await admin('POST', '/v3/regions', { region: {} })).body.region.id as string;
      const r = (
        await admin('POST', '/v3/regions', { region: { description: 'd1', parent_region_id: p1 } })
      ).body.region;
      const upd = await admin('PATCH', `/v3/regions/${r.id}`, {
        region: { description: 'd2', parent_region_id: p2 },
      });
      expect(upd.status).toBe(200);
      expect(upd.body.region).toMatchObject({ id: r.id, description: 'd2', parent_region_id: p2 });
      expect((await admin('GET', `/v3/regions/${r.id}`)).body.region).toEqual(upd.body.region);
      const nulled = await admin('PATCH', `/v3/regions/${r.id}`, { region: { description: null } });
      expect(nulled.body.region.description).toBe('');
    });

    it('deletes child regions with their parent, but not while an endpoint uses one', async () => {
      const top = (await admin('POST', '/v3/regions', { region: {} })).body.region.id as string;
      const mid = (await admin('POST', '/v3/regions', { region: { parent_region_id: top } })).body
        .region.id as string;
      const service = await createService(h);
      const ep = await admin('POST', '/v3/endpoints', {
        endpoint: { service_id: service, interface: 'public', url: 'http://x/', region_id: mid },
      });
      expect(ep.status).toBe(201);
      const refused = await admin('DELETE', `/v3/regions/${top}`);
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toContain('associated endpoints');
      expect((await admin('DELETE', `/v3/endpoints/${ep.body.endpoint.id}`)).status).toBe(204);
      expect((await admin('DELETE', `/v3/regions/${top}`)).status).toBe(204);
      expect((await admin('GET', `/v3/regions/${mid}`)).status).toBe(404);
      expect((await admin('DELETE', `/v3/regions/${top}`)).status).toBe(404);
    });

    it('lets anyone read regions and only admins change them', async () => {
      expect((await h.request('GET', '/v3/regions', { token: memberToken })).status).toBe(200);
      expect((await h.request('GET', '/v3/regions/RegionOne', { token: memberToken })).status).toBe(
        200,
      );
      expect(
        (await h.request('POST', '/v3/regions', { token: memberToken, body: { region: {} } }))
          .status,
      ).toBe(403);
      expect(
        (await h.request('PUT', '/v3/regions/mine', { token: memberToken, body: { region: {} } }))
          .status,
      ).toBe(403);
      expect(
        (
          await h.request('PATCH', '/v3/regions/RegionOne', {
            token: memberToken,
            body: { region: { description: 'x' } },
          })
        ).status,
      ).toBe(403);
      expect(
        (await h.request('DELETE', '/v3/regions/RegionOne', { token: memberToken })).status,
      ).toBe(403);
      expect((await h.request('GET', '/v3/regions')).status).toBe(401);
    });
  });

  describe('services', () => {
    it('creates, shows, updates and lists with filters', async () => {
      const created = await admin('POST', '/v3/services', {
        service: { type: 'svc-type-a', name: 'svc-a', description: 'first', 'x-extra': 1 },
      });
      expect(created.status).toBe(201);
      const s = created.body.service;
      expect(s).toMatchObject({
        type: 'svc-type-a',
        name: 'svc-a',
        description: 'first',
        enabled: true,
        x_extra: 1,
      });
      expect(s.links.self).toMatch(new RegExp(`/v3/services/${s.id}$`));

      const noDesc = await admin('POST', '/v3/services', {
        service: { type: 'svc-type-b', name: 'svc-b' },
      });
      expect(noDesc.body.service).toMatchObject({ type: 'svc-type-b', name: 'svc-b' });

      const upd = await admin('PATCH', `/v3/services/${s.id}`, {
        service: { description: 'second', enabled: false },
      });
      expect(upd.status).toBe(200);
      expect(upd.body.service).toMatchObject({
        description: 'second',
        enabled: false,
        name: 'svc-a',
        x_extra: 1,
      });
      expect((await admin('GET', `/v3/services/${s.id}`)).body.service).toEqual(upd.body.service);

      const byType = await admin('GET', '/v3/services?type=svc-type-a');
      expect(byType.body.services.map((x: { id: string }) => x.id)).toEqual([s.id]);
      const byName = await admin('GET', '/v3/services?name=svc-b');
      expect(byName.body.services.map((x: { id: string }) => x.id)).toEqual([
        noDesc.body.service.id,
      ]);
      const all = await admin('GET', '/v3/services');
      expect(all.body.services.map((x: { type: string }) => x.type)).toEqual(
        expect.arrayContaining(['identity', 'svc-type-a']),
      );
    });

    it('rejects bad input with 400', async () => {
      expect((await admin('POST', '/v3/services', { service: { name: 'no-type' } })).status).toBe(
        400,
      );
      expect((await admin('POST', '/v3/services', { service: { type: '' } })).status).toBe(400);
      expect(
        (await admin('POST', '/v3/services', { service: { type: 't', enabled: 'True' } })).status,
      ).toBe(400);
      expect(
        (await admin('POST', '/v3/services', { service: { type: 't', name: '   ' } })).status,
      ).toBe(400);
      const id = await createService(h);
      expect((await admin('PATCH', `/v3/services/${id}`, { service: {} })).status).toBe(400);
      expect(
        (await admin('PATCH', `/v3/services/${id}`, { service: { id: 'other' } })).status,
      ).toBe(400);
      expect((await admin('PATCH', '/v3/services/nope', { service: { name: 'x' } })).status).toBe(
        404,
      );
    });

    it('deletes a service with its endpoints', async () => {
      const id = await createService(h);
      const ep = await admin('POST', '/v3/endpoints', {
        endpoint: { service_id: id, interface: 'public', url: 'http://svc/' },
      });
      expect((await admin('DELETE', `/v3/services/${id}`)).status).toBe(204);
      expect((await admin('GET', `/v3/services/${id}`)).status).toBe(404);
      expect((await admin('GET', `/v3/endpoints/${ep.body.endpoint.id}`)).status).toBe(404);
      expect((await admin('DELETE', `/v3/services/${id}`)).status).toBe(404);
    });

    it('keeps services to admins', async () => {
      expect((await h.request('GET', '/v3/services', { token: memberToken })).status).toBe(403);
      expect(
        (
          await h.request('POST', '/v3/services', {
            token: memberToken,
            body: { service: { type: 'x' } },
          })
        ).status,
      ).toBe(403);
    });
  });

  describe('endpoints', () => {
    let serviceA: string;
    let serviceB: string;
    beforeAll(async () => {
      serviceA = await createService(h);
      serviceB = await createService(h);
    });

    it('creates with the legacy region attribute, creating the region', async () => {
      const res = await admin('POST', '/v3/endpoints', {
        endpoint: {
          service_id: serviceA,
          interface: 'public',
          url: 'http://a.example/v1',
          region: 'legacy-region-1',
          enabled: true,
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.endpoint).toMatchObject({
        service_id: serviceA,
        interface: 'public',
        url: 'http://a.example/v1',
        region: 'legacy-region-1',
        region_id: 'legacy-region-1',
        enabled: true,
      });
      expect((await admin('GET', '/v3/regions/legacy-region-1')).status).toBe(200);
      const shown = await admin('GET', `/v3/endpoints/${res.body.endpoint.id}`);
      expect(shown.body.endpoint).toEqual(res.body.endpoint);
    });

    it('rejects bad input as Keystone does', async () => {
      const base = { service_id: serviceA, interface: 'public', url: 'http://a/' };
      const post = (endpoint: Record<string, unknown>) =>
        admin('POST', '/v3/endpoints', { endpoint });
      expect((await post({ ...base, enabled: 'False' })).status).toBe(400);
      expect((await post({ ...base, enabled: 'True' })).status).toBe(400);
      expect((await post({ ...base, interface: 'private' })).status).toBe(400);
      expect((await post({ ...base, url: 'no-scheme' })).status).toBe(400);
      expect((await post({ ...base, url: 'http://a/$(bogus)s' })).status).toBe(400);
      expect((await post({ ...base, url: 'http://a/$(project_id' })).status).toBe(400);
      const missingService = await post({ ...base, service_id: 'nope' });
      expect(missingService.status).toBe(400);
      expect(missingService.body.error.message).toContain('service_id');
      expect((await post({ ...base, region_id: 'no-such-region' })).status).toBe(400);
      expect((await post({ interface: 'public', url: 'http://a/' })).status).toBe(400);
      const ok = await post({ ...base, region_id: 'RegionOne', url: 'http://a/v2/$(project_id)s' });
      expect(ok.status).toBe(201);
      const id = ok.body.endpoint.id as string;
      expect(
        (await admin('PATCH', `/v3/endpoints/${id}`, { endpoint: { enabled: 'False' } })).status,
      ).toBe(400);
      expect(
        (await admin('PATCH', `/v3/endpoints/${id}`, { endpoint: { enabled: 'True' } })).status,
      ).toBe(400);
      expect((await admin('PATCH', `/v3/endpoints/${id}`, { endpoint: {} })).status).toBe(400);
      expect(
        (await admin('PATCH', `/v3/endpoints/${id}`, { endpoint: { service_id: 'nope' } })).status,
      ).toBe(400);
      expect(
        (await admin('PATCH', `/v3/endpoints/${id}`, { endpoint: { id: 'other' } })).status,
      ).toBe(400);
    });

    it('updates every attribute', async () => {
      const ep = (
        await admin('POST', '/v3/endpoints', {
          endpoint: {
            service_id: serviceA,
            interface: 'public',
            url: 'http://one/',
            region: 'upd-region-1',
            enabled: true,
          },
        })
      ).body.endpoint;
      const upd = await admin('PATCH', `/v3/endpoints/${ep.id}`, {
        endpoint: {
          service_id: serviceB,
          interface: 'internal',
          url: 'http://two/',
          region: 'upd-region-2',
          enabled: false,
          name: 'n',
        },
      });
      expect(upd.status).toBe(200);
      expect(upd.body.endpoint).toMatchObject({
        id: ep.id,
        service_id: serviceB,
        interface: 'internal',
        url: 'http://two/',
        region: 'upd-region-2',
        region_id: 'upd-region-2',
        enabled: false,
        name: 'n',
      });
      expect((await admin('GET', '/v3/regions/upd-region-2')).status).toBe(200);
      const unset = await admin('PATCH', `/v3/endpoints/${ep.id}`, {
        endpoint: { region_id: null },
      });
      expect(unset.body.endpoint.region_id).toBeNull();
    });

    it('lists with interface, service and region filters', async () => {
      const svc1 = await createService(h);
      const svc2 = await createService(h);
      const e1 = (
        await admin('POST', '/v3/endpoints', {
          endpoint: { service_id: svc1, interface: 'public', url: 'http://1/', region: 'list-r1' },
        })
      ).body.endpoint;
      const e2 = (
        await admin('POST', '/v3/endpoints', {
          endpoint: {
            service_id: svc2,
            interface: 'internal',
            url: 'http://2/',
            region: 'list-r2',
          },
        })
      ).body.endpoint;
      const ids = async (q: string) =>
        (await admin('GET', `/v3/endpoints${q}`)).body.endpoints.map((e: { id: string }) => e.id);
      expect(await ids('')).toEqual(expect.arrayContaining([e1.id, e2.id]));
      expect(await ids(`?service_id=${svc1}`)).toEqual([e1.id]);
      expect(await ids(`?service_id=${svc2}`)).toEqual([e2.id]);
      expect(await ids('?interface=public')).toContain(e1.id);
      expect(await ids('?interface=public')).not.toContain(e2.id);
      expect(await ids('?region_id=list-r2')).toEqual([e2.id]);
      expect((await h.request('GET', '/v3/endpoints', { token: memberToken })).status).toBe(403);
    });

    it('deletes and forgets', async () => {
      const ep = (
        await admin('POST', '/v3/endpoints', {
          endpoint: { service_id: serviceA, interface: 'admin', url: 'http://d/' },
        })
      ).body.endpoint;
      expect(
        (await h.request('DELETE', `/v3/endpoints/${ep.id}`, { token: memberToken })).status,
      ).toBe(403);
      expect((await admin('DELETE', `/v3/endpoints/${ep.id}`)).status).toBe(204);
      expect((await admin('GET', `/v3/endpoints/${ep.id}`)).status).toBe(404);
      expect((await admin('DELETE', `/v3/endpoints/${ep.id}`)).status).toBe(404);
    });
  });

  describe('token catalog', () => {
    it('shows enabled services and endpoints, with the project substituted into URLs', async () => {
      const type = 'compute-test';
      const svc = (await admin('POST', '/v3/services', { service: { type, name: 'nova-test' } }))
        .body.service.id as string;
      const url = (path: string) => `http://compute.example/v2.1/${path}`;
      await admin('POST', '/v3/endpoints', {
        endpoint: {
          service_id: svc,
          interface: 'public',
          url: url('$(project_id)s'),
          region_id: 'RegionOne',
        },
      });
      await admin('POST', '/v3/endpoints', {
        endpoint: { service_id: svc, interface: 'admin', url: url('off'), enabled: false },
      });
      const catalog = await admin('GET', '/v3/auth/catalog');
      expect(catalog.status).toBe(200);
      expect(catalog.body.catalog.map((s: { type: string }) => s.type)).toContain('identity');
      const entry = catalog.body.catalog.find((s: { type: string }) => s.type === type);
      expect(entry.name).toBe('nova-test');
      expect(entry.endpoints).toHaveLength(1);
      expect(entry.endpoints[0]).toMatchObject({
        interface: 'public',
        region_id: 'RegionOne',
        url: url(h.adminProjectId),
      });

      // A token without a project cannot fill $(project_id)s: the endpoint is left out.
      const { token: unscoped } = await h.passwordToken(
        { name: 'admin', password: h.adminPassword },
        { system: { all: true } },
      );
      const sys = await h.request('GET', '/v3/auth/catalog', { token: unscoped });
      expect(sys.body.catalog.find((s: { type: string }) => s.type === type).endpoints).toEqual([]);

      await admin('PATCH', `/v3/services/${svc}`, { service: { enabled: false } });
      const after = await admin('GET', '/v3/auth/catalog');
      expect(after.body.catalog.map((s: { type: string }) => s.type)).not.toContain(type);
    });
  });
});
