import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { createService, seedMember, seedProject } from './fixtures.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;

// Every dialect: cascades, transactions and the joins of the catalog differ per database.
describeEachDialect('endpoint filtering', (suite) => {
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
  });
  afterAll(async () => h?.close());

  const admin = (method: string, url: string, body?: unknown) =>
    h.request(method, url, { token: h.adminToken, body });
  const EP = '/v3/OS-EP-FILTER';

  async function endpoint(
    serviceId: string,
    iface = 'public',
    region = 'RegionOne',
  ): Promise<string> {
    const res = await admin('POST', '/v3/endpoints', {
      endpoint: {
        service_id: serviceId,
        interface: iface,
        url: `http://${iface}.example/`,
        region_id: region,
      },
    });
    expect(res.status).toBe(201);
    return res.body.endpoint.id as string;
  }

  describe('endpoint groups', () => {
    it('creates, lists, shows, checks with HEAD, updates and deletes', async () => {
      const svc = await createService(h);
      const created = await admin('POST', `${EP}/endpoint_groups`, {
        endpoint_group: { name: 'eg-1', description: 'group one', filters: { service_id: svc } },
      });
      expect(created.status).toBe(201);
      const g = created.body.endpoint_group;
      expect(g).toMatchObject({
        name: 'eg-1',
        description: 'group one',
        filters: { service_id: svc },
      });
      expect(g.links.self).toMatch(new RegExp(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}$`));

      const list = await admin('GET', `${EP}/endpoint_groups`);
      expect(list.body.endpoint_groups).toContainEqual(g);
      const byName = await admin('GET', `${EP}/endpoint_groups?name=eg-1`);
      expect(byName.body.endpoint_groups).toEqual([g]);
      expect((await admin('GET', `${EP}/endpoint_groups/${g.id}`)).body.endpoint_group).toEqual(g);
      const head = await admin('HEAD', `${EP}/endpoint_groups/${g.id}`);
      expect(head.status).toBe(200);
      expect(head.body).toBeUndefined();

      const svc2 = await createService(h);
      const upd = await admin('PATCH', `${EP}/endpoint_groups/${g.id}`, {
        endpoint_group: {
          name: 'eg-2',
          description: 'two',
          filters: { service_id: svc2, interface: 'internal' },
        },
      });
      expect(upd.status).toBe(200);
      expect(upd.body.endpoint_group).toMatchObject({
        name: 'eg-2',
        description: 'two',
        filters: { service_id: svc2, interface: 'internal' },
      });

      expect((await admin('DELETE', `${EP}/endpoint_groups/${g.id}`)).status).toBe(204);
      expect((await admin('GET', `${EP}/endpoint_groups/${g.id}`)).status).toBe(404);
      expect((await admin('HEAD', `${EP}/endpoint_groups/${g.id}`)).status).toBe(404);
      const after = await admin('GET', `${EP}/endpoint_groups`);
      expect(after.body.endpoint_groups.map((x: { id: string }) => x.id)).not.toContain(g.id);
    });

    it('rejects bad filters and bodies with 400', async () => {
      const post = (endpoint_group: unknown) =>
        admin('POST', `${EP}/endpoint_groups`, { endpoint_group });
      expect((await post({ name: 'x', filters: {} })).status).toBe(400);
      expect((await post({ name: 'x', filters: { url: 'http://x' } })).status).toBe(400);
      expect((await post({ name: 'x', filters: { interface: 'private' } })).status).toBe(400);
      expect((await post({ name: 'x' })).status).toBe(400);
      expect((await post({ filters: { interface: 'public' } })).status).toBe(400);
      const ok = await post({ name: 'x', filters: { interface: 'public' } });
      expect(ok.status).toBe(201);
      expect(
        (
          await admin('PATCH', `${EP}/endpoint_groups/${ok.body.endpoint_group.id}`, {
            endpoint_group: {},
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await admin('PATCH', `${EP}/endpoint_groups/${ok.body.endpoint_group.id}`, {
            endpoint_group: { filters: { enabled: true } },
          })
        ).status,
      ).toBe(400);
    });

    it('lists the endpoints a group selects', async () => {
      const svc = await createService(h);
      const pub = await endpoint(svc, 'public');
      await endpoint(svc, 'internal');
      const g = (
        await admin('POST', `${EP}/endpoint_groups`, {
          endpoint_group: { name: 'sel', filters: { service_id: svc, interface: 'public' } },
        })
      ).body.endpoint_group;
      const eps = await admin('GET', `${EP}/endpoint_groups/${g.id}/endpoints`);
      expect(eps.status).toBe(200);
      expect(eps.body.endpoints.map((e: { id: string }) => e.id)).toEqual([pub]);
      expect((await admin('GET', `${EP}/endpoint_groups/nope/endpoints`)).status).toBe(404);
    });

    it('associates groups with projects', async () => {
      const project = await seedProject(h);
      const g = (
        await admin('POST', `${EP}/endpoint_groups`, {
          endpoint_group: { name: 'assoc', filters: { interface: 'admin' } },
        })
      ).body.endpoint_group;
      const path = `${EP}/endpoint_groups/${g.id}/projects/${project}`;
      expect((await admin('GET', path)).status).toBe(404);
      expect((await admin('PUT', path)).status).toBe(204);
      expect((await admin('PUT', path)).status).toBe(409);
      const shown = await admin('GET', path);
      expect(shown.status).toBe(200);
      expect(shown.body.project_endpoint_group).toMatchObject({
        endpoint_group_id: g.id,
        project_id: project,
      });
      const projects = await admin('GET', `${EP}/endpoint_groups/${g.id}/projects`);
      expect(projects.body.projects.map((p: { id: string }) => p.id)).toEqual([project]);
      const groups = await admin('GET', `${EP}/projects/${project}/endpoint_groups`);
      expect(groups.body.endpoint_groups.map((x: { id: string }) => x.id)).toEqual([g.id]);
      expect(
        (await admin('PUT', `${EP}/endpoint_groups/${g.id}/projects/no-such-project`)).status,
      ).toBe(404);
      expect(
        (await admin('PUT', `${EP}/endpoint_groups/no-such-group/projects/${project}`)).status,
      ).toBe(404);
      expect((await admin('DELETE', path)).status).toBe(204);
      expect((await admin('DELETE', path)).status).toBe(404);
      expect((await admin('GET', `${EP}/projects/no-such-project/endpoint_groups`)).status).toBe(
        404,
      );
    });
  });

  describe('project endpoints', () => {
    it('associates, checks, lists both ways and removes', async () => {
      const project = await seedProject(h);
      const svc = await createService(h);
      const ep = await endpoint(svc);
      const path = `${EP}/projects/${project}/endpoints/${ep}`;
      expect((await admin('HEAD', path)).status).toBe(404);
      expect((await admin('PUT', path)).status).toBe(204);
      expect((await admin('PUT', path)).status).toBe(409);
      expect((await admin('HEAD', path)).status).toBe(204);
      expect((await admin('GET', path)).status).toBe(204);
      const eps = await admin('GET', `${EP}/projects/${project}/endpoints`);
      expect(eps.body.endpoints.map((e: { id: string }) => e.id)).toEqual([ep]);
      expect(eps.body.endpoints[0].region).toBe('RegionOne');
      const projects = await admin('GET', `${EP}/endpoints/${ep}/projects`);
      expect(projects.body.projects.map((p: { id: string }) => p.id)).toEqual([project]);
      expect((await admin('PUT', `${EP}/projects/${project}/endpoints/nope`)).status).toBe(404);
      expect((await admin('PUT', `${EP}/projects/nope/endpoints/${ep}`)).status).toBe(404);
      expect((await admin('GET', `${EP}/endpoints/nope/projects`)).status).toBe(404);
      expect((await admin('DELETE', path)).status).toBe(204);
      expect((await admin('DELETE', path)).status).toBe(404);
    });

    it('forgets associations of a deleted endpoint', async () => {
      const project = await seedProject(h);
      const ep = await endpoint(await createService(h));
      await admin('PUT', `${EP}/projects/${project}/endpoints/${ep}`);
      await admin('DELETE', `/v3/endpoints/${ep}`);
      const rows = await h.env.db
        .selectFrom('identity_project_endpoint')
        .selectAll()
        .where('endpoint_id', '=', ep)
        .execute();
      expect(rows).toEqual([]);
    });

    it('is for admins only', async () => {
      const project = await seedProject(h);
      const member = (await seedMember(h, { projectId: project })).token;
      const ep = await endpoint(await createService(h));
      const as = (method: string, url: string) => h.request(method, url, { token: member });
      expect((await as('PUT', `${EP}/projects/${project}/endpoints/${ep}`)).status).toBe(403);
      expect((await as('GET', `${EP}/projects/${project}/endpoints`)).status).toBe(403);
      expect((await as('GET', `${EP}/endpoint_groups`)).status).toBe(403);
      const create = await h.request('POST', `${EP}/endpoint_groups`, {
        token: member,
        body: { endpoint_group: { name: 'x', filters: { interface: 'public' } } },
      });
      expect(create.status).toBe(403);
    });
  });

  describe('catalog filtering', () => {
    const catalogOf = async (token: string) => {
      const res = await h.request('GET', '/v3/auth/catalog', { token });
      expect(res.status).toBe(200);
      return res.body.catalog as Array<{
        id: string;
        type: string;
        endpoints: Array<{ id: string }>;
      }>;
    };
    const endpointIds = (catalog: Awaited<ReturnType<typeof catalogOf>>) =>
      catalog.flatMap((s) => s.endpoints.map((e) => e.id));

    it('shows every endpoint to a project without associations', async () => {
      const project = await seedProject(h);
      const token = (await seedMember(h, { projectId: project })).token;
      const ep = await endpoint(await createService(h));
      expect(endpointIds(await catalogOf(token))).toContain(ep);
    });

    it('shows only associated endpoints, directly or through a group, and drops emptied services', async () => {
      const project = await seedProject(h);
      const token = (await seedMember(h, { projectId: project })).token;
      const svcA = await createService(h);
      const svcB = await createService(h);
      const direct = await endpoint(svcA, 'public');
      const other = await endpoint(svcA, 'internal');
      const inGroup = await endpoint(svcB, 'admin', 'RegionOne');
      await admin('PUT', `${EP}/projects/${project}/endpoints/${direct}`);

      let catalog = await catalogOf(token);
      expect(endpointIds(catalog)).toEqual([direct]);
      expect(catalog.map((s) => s.id)).toEqual([svcA]);

      const g = (
        await admin('POST', `${EP}/endpoint_groups`, {
          endpoint_group: { name: 'b', filters: { service_id: svcB, region_id: 'RegionOne' } },
        })
      ).body.endpoint_group;
      await admin('PUT', `${EP}/endpoint_groups/${g.id}/projects/${project}`);
      catalog = await catalogOf(token);
      expect(endpointIds(catalog).sort()).toEqual([direct, inGroup].sort());
      expect(endpointIds(catalog)).not.toContain(other);

      // A disabled associated endpoint leaves the catalog too.
      await admin('PATCH', `/v3/endpoints/${direct}`, { endpoint: { enabled: false } });
      expect(endpointIds(await catalogOf(token))).toEqual([inGroup]);

      // Another project is not affected.
      const otherToken = (await seedMember(h)).token;
      expect(endpointIds(await catalogOf(otherToken))).toEqual(
        expect.arrayContaining([other, inGroup]),
      );
    });
  });
});
