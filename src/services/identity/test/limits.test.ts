import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { inProcessIdentityClient } from '../client.ts';
import {
  createService,
  seedDomain,
  seedDomainMember,
  seedMember,
  seedProject,
} from './fixtures.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';

type Reg = {
  service_id: string;
  resource_name: string;
  default_limit: number;
  region_id?: string | null;
  description?: string;
};

function helpers(get: () => IdentityHarness) {
  const admin = (method: string, url: string, body?: unknown) =>
    get().request(method, url, { token: get().adminToken, body });
  return {
    admin,
    async registered(...items: Reg[]) {
      const res = await admin('POST', '/v3/registered_limits', { registered_limits: items });
      if (res.status !== 201)
        throw new Error(`registered limit: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.registered_limits as Array<{ id: string }>;
    },
    async limit(item: Record<string, unknown>) {
      return admin('POST', '/v3/limits', { limits: [item] });
    },
  };
}

// Unified limits on every dialect: null-region matching, the all-or-nothing batch
// transactions and the visibility rules go through SQL that differs per database.
describeEachDialect('unified limits', (suite) => {
  let h: IdentityHarness;
  let svc: string;
  const { admin, registered, limit } = helpers(() => h);

  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
    svc = await createService(h, 'compute');
  });
  afterAll(async () => h?.close());

  it('reports the flat model by default', async () => {
    const member = (await seedMember(h)).token;
    const res = await h.request('GET', '/v3/limits/model', { token: member });
    expect(res.status).toBe(200);
    expect(res.body.model).toEqual({
      name: 'flat',
      description:
        'Limit enforcement and validation does not take project hierarchy into consideration.',
    });
  });

  it('creates registered limits in a batch, lists, filters, shows and updates them', async () => {
    const res = await admin('POST', '/v3/registered_limits', {
      registered_limits: [
        { service_id: svc, resource_name: 'cores', default_limit: 20, description: 'vCPUs' },
        { service_id: svc, resource_name: 'cores', default_limit: 10, region_id: 'RegionOne' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.links).toBeUndefined();
    const [global, regional] = res.body.registered_limits;
    expect(global).toMatchObject({
      service_id: svc,
      region_id: null,
      resource_name: 'cores',
      default_limit: 20,
      description: 'vCPUs',
    });
    expect(regional).toMatchObject({
      region_id: 'RegionOne',
      default_limit: 10,
      description: null,
    });
    expect(global.links.self).toMatch(new RegExp(`/v3/registered_limits/${global.id}$`));

    const ids = async (q: string) =>
      (await admin('GET', `/v3/registered_limits${q}`)).body.registered_limits
        .map((r: { id: string }) => r.id)
        .sort();
    expect(await ids(`?service_id=${svc}&resource_name=cores`)).toEqual(
      [global.id, regional.id].sort(),
    );
    expect(await ids('?region_id=RegionOne')).toEqual([regional.id]);
    expect(
      (await admin('GET', `/v3/registered_limits/${global.id}`)).body.registered_limit,
    ).toEqual(global);

    const upd = await admin('PATCH', `/v3/registered_limits/${global.id}`, {
      registered_limit: { default_limit: 25, description: null },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.registered_limit).toMatchObject({
      default_limit: 25,
      description: null,
      resource_name: 'cores',
    });
    const clash = await admin('PATCH', `/v3/registered_limits/${global.id}`, {
      registered_limit: { region_id: 'RegionOne' },
    });
    expect(clash.status).toBe(409);
    const same = await admin('PATCH', `/v3/registered_limits/${global.id}`, {
      registered_limit: { resource_name: 'cores' },
    });
    expect(same.status).toBe(200);
  });

  it('refuses duplicates (409, writing nothing) and bad references or values (400)', async () => {
    await registered({ service_id: svc, resource_name: 'ram', default_limit: 1024 });
    const dupStored = await admin('POST', '/v3/registered_limits', {
      registered_limits: [
        { service_id: svc, resource_name: 'fresh', default_limit: 1 },
        { service_id: svc, resource_name: 'ram', default_limit: 1 },
      ],
    });
    expect(dupStored.status).toBe(409);
    expect(
      (await admin('GET', '/v3/registered_limits?resource_name=fresh')).body.registered_limits,
    ).toEqual([]);
    const dupInBatch = await admin('POST', '/v3/registered_limits', {
      registered_limits: [
        { service_id: svc, resource_name: 'twice', default_limit: 1 },
        { service_id: svc, resource_name: 'twice', default_limit: 2 },
      ],
    });
    expect(dupInBatch.status).toBe(409);

    const post = (item: unknown) =>
      admin('POST', '/v3/registered_limits', { registered_limits: [item] });
    const noService = await post({ service_id: 'deadbeef', resource_name: 'x', default_limit: 1 });
    expect(noService.status).toBe(400);
    expect(noService.body.error.message).toContain('service_id');
    expect(
      (await post({ service_id: svc, resource_name: 'x', default_limit: 1, region_id: 'nowhere' }))
        .status,
    ).toBe(400);
    expect((await post({ service_id: svc, resource_name: 'x', default_limit: -2 })).status).toBe(
      400,
    );
    expect((await post({ service_id: svc, resource_name: 'x', default_limit: '5' })).status).toBe(
      400,
    );
    expect(
      (await post({ service_id: svc, resource_name: 'x', default_limit: 2 ** 31 })).status,
    ).toBe(400);
    expect(
      (await post({ service_id: svc, resource_name: 'x', default_limit: 1, colour: 'red' })).status,
    ).toBe(400);
    expect((await post({ service_id: svc, default_limit: 1 })).status).toBe(400);
    expect((await admin('POST', '/v3/registered_limits', { registered_limits: [] })).status).toBe(
      400,
    );
    expect((await admin('GET', '/v3/registered_limits/nope')).status).toBe(404);
  });

  it('creates project and domain limits tied to a registered limit', async () => {
    await registered({ service_id: svc, resource_name: 'instances', default_limit: 10 });
    const project = await seedProject(h);
    const domain = await seedDomain(h);

    const p = await limit({
      project_id: project,
      service_id: svc,
      resource_name: 'instances',
      resource_limit: 5,
      description: 'p',
    });
    expect(p.status).toBe(201);
    expect(p.body.limits[0]).toMatchObject({
      project_id: project,
      domain_id: null,
      service_id: svc,
      region_id: null,
      resource_name: 'instances',
      resource_limit: 5,
      description: 'p',
    });
    // A project id naming a domain makes a domain limit.
    const d = await limit({
      project_id: domain,
      service_id: svc,
      resource_name: 'instances',
      resource_limit: 50,
    });
    expect(d.status).toBe(201);
    expect(d.body.limits[0]).toMatchObject({ project_id: null, domain_id: domain });

    expect(
      (
        await limit({
          project_id: project,
          service_id: svc,
          resource_name: 'instances',
          resource_limit: 6,
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await limit({
          domain_id: domain,
          service_id: svc,
          resource_name: 'instances',
          resource_limit: 6,
        })
      ).status,
    ).toBe(409);
    const unregistered = await limit({
      project_id: project,
      service_id: svc,
      resource_name: 'gpus',
      resource_limit: 1,
    });
    expect(unregistered.status).toBe(403);
    expect(
      (
        await limit({
          project_id: project,
          service_id: svc,
          resource_name: 'instances',
          region_id: 'RegionOne',
          resource_limit: 1,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await limit({
          project_id: 'deadbeef',
          service_id: svc,
          resource_name: 'instances',
          resource_limit: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await limit({
          domain_id: 'deadbeef',
          service_id: svc,
          resource_name: 'instances',
          resource_limit: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await limit({
          project_id: project,
          domain_id: domain,
          service_id: svc,
          resource_name: 'instances',
          resource_limit: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (await limit({ service_id: svc, resource_name: 'instances', resource_limit: 1 })).status,
    ).toBe(400);

    const id = p.body.limits[0].id as string;
    const upd = await admin('PATCH', `/v3/limits/${id}`, {
      limit: { resource_limit: 0, description: null },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.limit).toMatchObject({
      resource_limit: 0,
      description: null,
      project_id: project,
    });
    expect(
      (await admin('PATCH', `/v3/limits/${id}`, { limit: { resource_name: 'x' } })).status,
    ).toBe(400);
    expect((await admin('GET', `/v3/limits/${id}`)).body.limit).toEqual(upd.body.limit);
  });

  it('keeps a referenced registered limit (403) until its limits are gone', async () => {
    const [reg] = await registered({
      service_id: svc,
      resource_name: 'volumes',
      default_limit: 10,
    });
    const project = await seedProject(h);
    const l = await limit({
      project_id: project,
      service_id: svc,
      resource_name: 'volumes',
      resource_limit: 3,
    });
    const path = `/v3/registered_limits/${reg!.id}`;
    expect(
      (await admin('PATCH', path, { registered_limit: { resource_name: 'vols' } })).status,
    ).toBe(403);
    expect((await admin('PATCH', path, { registered_limit: { default_limit: 11 } })).status).toBe(
      403,
    );
    const del = await admin('DELETE', path);
    expect(del.status).toBe(403);
    expect(del.body.error.message).toContain('project limits associated');
    expect((await admin('DELETE', `/v3/limits/${l.body.limits[0].id}`)).status).toBe(204);
    expect((await admin('DELETE', `/v3/limits/${l.body.limits[0].id}`)).status).toBe(404);
    expect((await admin('DELETE', path)).status).toBe(204);
    expect((await admin('GET', path)).status).toBe(404);
  });

  it('shows each caller only the limits of its scope', async () => {
    await registered({ service_id: svc, resource_name: 'networks', default_limit: 3 });
    const domain = await seedDomain(h);
    const mine = await seedProject(h, { domainId: domain });
    const sibling = await seedProject(h, { domainId: domain });
    const elsewhere = await seedProject(h);
    const ids: Record<string, string> = {};
    for (const [name, owner] of [
      ['mine', { project_id: mine }],
      ['sibling', { project_id: sibling }],
      ['elsewhere', { project_id: elsewhere }],
      ['domain', { domain_id: domain }],
    ] as const) {
      const res = await limit({
        ...owner,
        service_id: svc,
        resource_name: 'networks',
        resource_limit: 2,
      });
      ids[name] = res.body.limits[0].id;
    }
    const listed = async (token: string, q = '') =>
      (await h.request('GET', `/v3/limits?resource_name=networks${q}`, { token })).body.limits
        .map((l: { id: string }) => l.id)
        .sort();

    const member = (await seedMember(h, { projectId: mine })).token;
    expect(await listed(member)).toEqual([ids.mine]);
    expect(await listed(member, `&project_id=${sibling}`)).toEqual([]);
    expect(await listed((await seedDomainMember(h, domain)).token)).toEqual(
      [ids.mine, ids.sibling, ids.domain].sort(),
    );
    expect(await listed(h.adminToken)).toEqual(Object.values(ids).sort());
    expect(await listed(h.adminToken, `&project_id=${elsewhere}`)).toEqual([ids.elsewhere]);
    expect(await listed(h.adminToken, `&domain_id=${domain}`)).toEqual([ids.domain]);

    expect((await h.request('GET', `/v3/limits/${ids.mine}`, { token: member })).status).toBe(200);
    const domainMember = (await seedDomainMember(h, domain)).token;
    expect(
      (await h.request('GET', `/v3/limits/${ids.sibling}`, { token: domainMember })).status,
    ).toBe(200);
    expect(
      (await h.request('GET', `/v3/limits/${ids.domain}`, { token: domainMember })).status,
    ).toBe(200);
    expect(
      (await h.request('GET', `/v3/limits/${ids.elsewhere}`, { token: domainMember })).status,
    ).toBe(403);
    expect((await h.request('GET', `/v3/limits/${ids.sibling}`, { token: member })).status).toBe(
      403,
    );
    expect((await h.request('GET', '/v3/limits/nope', { token: member })).status).toBe(403);
    expect((await admin('GET', '/v3/limits/nope')).status).toBe(404);
    const ownLimit = {
      project_id: mine,
      service_id: svc,
      resource_name: 'networks',
      resource_limit: 9,
    };
    expect(
      (await h.request('POST', '/v3/limits', { token: member, body: { limits: [ownLimit] } }))
        .status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', `/v3/limits/${ids.mine}`, {
          token: member,
          body: { limit: { resource_limit: 9 } },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('DELETE', `/v3/limits/${ids.mine}`, { token: member })).status).toBe(
      403,
    );
    expect((await h.request('GET', '/v3/registered_limits', { token: member })).status).toBe(200);
    expect(
      (
        await h.request('POST', '/v3/registered_limits', {
          token: member,
          body: { registered_limits: [{ service_id: svc, resource_name: 'z', default_limit: 1 }] },
        })
      ).status,
    ).toBe(403);
  });

  it('gives other services a project’s limits through the client', async () => {
    const volume = await createService(h, 'volumev3-test');
    await registered(
      { service_id: volume, resource_name: 'gigabytes', default_limit: 1000 },
      { service_id: volume, resource_name: 'snapshots', default_limit: 10 },
      { service_id: volume, resource_name: 'snapshots', default_limit: 4, region_id: 'RegionOne' },
    );
    const project = await seedProject(h);
    await limit({
      project_id: project,
      service_id: volume,
      resource_name: 'gigabytes',
      resource_limit: 50,
    });
    const client = inProcessIdentityClient(h.env.db);
    expect(await client.getLimits(project, 'volumev3-test')).toEqual({
      gigabytes: 50,
      snapshots: 10,
    });
    expect(await client.getLimits(project, 'volumev3-test', { regionId: 'RegionOne' })).toEqual({
      gigabytes: 50,
      snapshots: 4,
    });
    expect(await client.getLimits(await seedProject(h), 'volumev3-test')).toEqual({
      gigabytes: 1000,
      snapshots: 10,
    });
    expect(await client.getLimits(project, 'no-such-type')).toEqual({});
  });

  it('refuses to delete a service or region that registered limits use', async () => {
    const s = await createService(h);
    await admin('PUT', '/v3/regions/limit-region', { region: {} });
    await registered({
      service_id: s,
      resource_name: 'r',
      default_limit: 1,
      region_id: 'limit-region',
    });
    expect((await admin('DELETE', `/v3/services/${s}`)).status).toBe(409);
    expect((await admin('DELETE', '/v3/regions/limit-region')).status).toBe(403);
  });
});

describe('strict_two_level limits', () => {
  let h: IdentityHarness;
  const { admin, registered, limit } = helpers(() => h);
  beforeAll(async () => {
    h = await startIdentity({ settings: { unified_limit_model: 'strict_two_level' } });
  });
  afterAll(async () => h.close());

  it('reports the model', async () => {
    expect((await admin('GET', '/v3/limits/model')).body.model.name).toBe('strict_two_level');
  });

  it('keeps a project under its domain and a domain above its projects', async () => {
    const svc = await createService(h);
    await registered({ service_id: svc, resource_name: 'cores', default_limit: 10 });
    const domain = await seedDomain(h);
    const project = await seedProject(h, { domainId: domain });
    // Without a domain limit, the registered default caps the project.
    const over = await limit({
      project_id: project,
      service_id: svc,
      resource_name: 'cores',
      resource_limit: 11,
    });
    expect(over.status).toBe(403);
    expect(over.body.error.message).toContain('hierarchy model');
    expect(
      (
        await limit({
          project_id: project,
          service_id: svc,
          resource_name: 'cores',
          resource_limit: 8,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await limit({
          domain_id: domain,
          service_id: svc,
          resource_name: 'cores',
          resource_limit: 5,
        })
      ).status,
    ).toBe(403);
    const d = await limit({
      domain_id: domain,
      service_id: svc,
      resource_name: 'cores',
      resource_limit: 20,
    });
    expect(d.status).toBe(201);
    expect(
      (await admin('PATCH', `/v3/limits/${d.body.limits[0].id}`, { limit: { resource_limit: 7 } }))
        .status,
    ).toBe(403);

    // A parent limit in the same request counts.
    const other = await seedDomain(h);
    const child = await seedProject(h, { domainId: other });
    const batch = await admin('POST', '/v3/limits', {
      limits: [
        { domain_id: other, service_id: svc, resource_name: 'cores', resource_limit: 30 },
        { project_id: child, service_id: svc, resource_name: 'cores', resource_limit: 25 },
      ],
    });
    expect(batch.status).toBe(201);
  });
});
