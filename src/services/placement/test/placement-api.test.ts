import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

let cloud: TestCloud;
const V = (v: string) => ({ 'openstack-api-version': `placement ${v}` });
const req = (method: string, path: string, body?: unknown, version = '1.39', token?: string) =>
  cloud.request('placement', method, path, { token: token ?? cloud.adminToken, headers: V(version), ...(body === undefined ? {} : { body }) });

async function provider(name: string, parent?: string) {
  const r = await req('POST', '/resource_providers', { name, ...(parent ? { parent_provider_uuid: parent } : {}) });
  expect(r.status).toBe(200);
  return r.body as { uuid: string; generation: number };
}

async function inventory(uuid: string, inventories: Record<string, Record<string, number>>) {
  const cur = await req('GET', `/resource_providers/${uuid}`);
  const r = await req('PUT', `/resource_providers/${uuid}/inventories`, { resource_provider_generation: cur.body.generation, inventories });
  expect(r.status).toBe(200);
  return r.body.resource_provider_generation as number;
}

beforeAll(async () => {
  cloud = await startTestCloud({ services: ['placement'] });
}, 120_000);
afterAll(async () => cloud?.close());

describe('placement API', () => {
  it('serves its version document and negotiates microversions', async () => {
    const root = await cloud.request('placement', 'GET', '/');
    expect(root.status).toBe(200);
    expect(root.body.versions[0]).toMatchObject({ id: 'v1.0', min_version: '1.0', max_version: '1.39' });
    const r = await req('GET', '/resource_providers', undefined, '1.40');
    expect(r.status).toBe(406);
    expect(r.body.errors[0]).toMatchObject({ status: 406, title: 'Not Acceptable' });
    const latest = await req('GET', '/resource_providers', undefined, 'latest');
    expect(latest.headers.get('openstack-api-version')).toBe('placement 1.39');
  });

  it('answers with Placement fault bodies and checks policy', async () => {
    const missing = randomUUID();
    const r = await req('GET', `/resource_providers/${missing}`);
    expect(r.status).toBe(404);
    expect(r.body.errors[0]).toMatchObject({ status: 404, title: 'Not Found', code: 'placement.resource_provider.not_found' });
    expect(r.body.errors[0].detail).toContain(missing);
    expect(r.body.errors[0].request_id).toBe(r.headers.get('x-openstack-request-id'));
    const member = await cloud.member();
    const denied = await req('GET', '/resource_providers', undefined, '1.39', member.token);
    expect(denied.status).toBe(403);
  });

  it('manages nested providers, generations and inventory conflicts', async () => {
    const root = await provider(`cn-${randomUUID()}`);
    const child = await provider(`numa-${randomUUID()}`, root.uuid);
    const shown = await req('GET', `/resource_providers/${child.uuid}`);
    expect(shown.body).toMatchObject({ parent_provider_uuid: root.uuid, root_provider_uuid: root.uuid, generation: 0 });
    // an old view of the generation is refused
    const stale = await req('PUT', `/resource_providers/${root.uuid}/inventories`, { resource_provider_generation: 5, inventories: { VCPU: { total: 8 } } });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0].code).toBe('placement.concurrent_update');
    const gen = await inventory(root.uuid, { VCPU: { total: 8, allocation_ratio: 2 }, MEMORY_MB: { total: 4096, reserved: 512 } });
    expect(gen).toBe(1);
    const inv = await req('GET', `/resource_providers/${root.uuid}/inventories/VCPU`);
    expect(inv.body).toMatchObject({ total: 8, allocation_ratio: 2, reserved: 0, min_unit: 1, step_size: 1, max_unit: 2147483647, resource_provider_generation: 1 });
    const badRc = await req('PUT', `/resource_providers/${root.uuid}/inventories`, { resource_provider_generation: 1, inventories: { CUSTOM_NOPE: { total: 1 } } });
    expect(badRc.status).toBe(400);
    // a parent with children cannot go
    const del = await req('DELETE', `/resource_providers/${root.uuid}`);
    expect(del.status).toBe(409);
    expect(del.body.errors[0].code).toBe('placement.resource_provider.cannot_delete_parent');
  });

  it('claims allocations with consumer generations and reports usages', async () => {
    const cn = await provider(`cn-${randomUUID()}`);
    await inventory(cn.uuid, { VCPU: { total: 4 }, MEMORY_MB: { total: 2048 } });
    const consumer = randomUUID();
    const project = randomUUID();
    const body = (gen: number | null, vcpu: number) => ({
      allocations: { [cn.uuid]: { resources: { VCPU: vcpu, MEMORY_MB: 512 } } },
      project_id: project,
      user_id: 'u1',
      consumer_generation: gen,
      consumer_type: 'INSTANCE',
    });
    expect((await req('PUT', `/allocations/${consumer}`, body(null, 2))).status).toBe(204);
    // creating again as if new conflicts on the consumer generation
    const again = await req('PUT', `/allocations/${consumer}`, body(null, 2));
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('placement.concurrent_update');
    const got = await req('GET', `/allocations/${consumer}`);
    expect(got.body).toMatchObject({ consumer_generation: 1, project_id: project, user_id: 'u1', consumer_type: 'INSTANCE' });
    expect(got.body.allocations[cn.uuid].resources).toEqual({ VCPU: 2, MEMORY_MB: 512 });
    // over capacity
    const other = randomUUID();
    const over = await req('PUT', `/allocations/${other}`, { ...body(null, 3) });
    expect(over.status).toBe(409);
    expect(over.body.errors[0].detail).toContain('exceed the capacity');
    // removing an inventory class in use is refused
    const rm = await req('DELETE', `/resource_providers/${cn.uuid}/inventories/VCPU`);
    expect(rm.status).toBe(409);
    expect(rm.body.errors[0].code).toBe('placement.inventory.inuse');
    const usages = await req('GET', `/resource_providers/${cn.uuid}/usages`);
    expect(usages.body.usages).toEqual({ VCPU: 2, MEMORY_MB: 512 });
    const project138 = await req('GET', `/usages?project_id=${project}`);
    expect(project138.body.usages).toEqual({ INSTANCE: { consumer_count: 1, VCPU: 2, MEMORY_MB: 512 } });
    const project19 = await req('GET', `/usages?project_id=${project}`, undefined, '1.9');
    expect(project19.body.usages).toEqual({ VCPU: 2, MEMORY_MB: 512 });
    expect((await req('DELETE', `/allocations/${consumer}`)).status).toBe(204);
    expect((await req('GET', `/allocations/${consumer}`)).body).toEqual({ allocations: {} });
    expect((await req('DELETE', `/resource_providers/${cn.uuid}`)).status).toBe(204);
  });

  it('lists allocation candidates with traits, aggregates and granular groups', async () => {
    const agg = randomUUID();
    const trait = `CUSTOM_T${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;
    expect((await req('PUT', `/traits/${trait}`)).status).toBe(201);
    const a = await provider(`a-${randomUUID()}`);
    const b = await provider(`b-${randomUUID()}`);
    for (const p of [a, b]) await inventory(p.uuid, { VCPU: { total: 16 }, MEMORY_MB: { total: 8192 }, DISK_GB: { total: 100 } });
    const cur = await req('GET', `/resource_providers/${a.uuid}`);
    expect((await req('PUT', `/resource_providers/${a.uuid}/traits`, { traits: [trait, 'HW_CPU_X86_AVX2'], resource_provider_generation: cur.body.generation })).status).toBe(200);
    const cur2 = await req('GET', `/resource_providers/${b.uuid}`);
    expect((await req('PUT', `/resource_providers/${b.uuid}/aggregates`, { aggregates: [agg], resource_provider_generation: cur2.body.generation })).status).toBe(200);

    const withTrait = await req('GET', `/allocation_candidates?resources=VCPU:2,MEMORY_MB:1024&required=${trait}`);
    expect(withTrait.status).toBe(200);
    expect(withTrait.body.allocation_requests).toEqual([
      { allocations: { [a.uuid]: { resources: { VCPU: 2, MEMORY_MB: 1024 } } }, mappings: { '': [a.uuid] } },
    ]);
    expect(withTrait.body.provider_summaries[a.uuid]).toMatchObject({ root_provider_uuid: a.uuid, parent_provider_uuid: null });
    expect(withTrait.body.provider_summaries[a.uuid].resources.DISK_GB).toEqual({ capacity: 100, used: 0 });
    const forbidden = await req('GET', `/allocation_candidates?resources=VCPU:2&required=!${trait}&member_of=${agg}`);
    expect(Object.keys(forbidden.body.provider_summaries)).toEqual([b.uuid]);
    const anyOf = await req('GET', `/allocation_candidates?resources=VCPU:1&required=in:${trait},HW_CPU_X86_AVX2&member_of=!${agg}`);
    expect(anyOf.body.allocation_requests.map((r: { mappings: Record<string, string[]> }) => r.mappings['']?.[0])).toContain(a.uuid);
    expect(Object.keys(anyOf.body.provider_summaries)).not.toContain(b.uuid);
    const old = await req('GET', `/allocation_candidates?resources=VCPU:1&required=${trait}`, undefined, '1.10');
    expect(old.status).toBe(400);
    const noPolicy = await req('GET', `/allocation_candidates?resources1=VCPU:1&resources2=MEMORY_MB:1`);
    expect(noPolicy.status).toBe(400);
    const unknownTrait = await req('GET', `/allocation_candidates?resources=VCPU:1&required=CUSTOM_NEVER_MADE`);
    expect(unknownTrait.status).toBe(400);
  });
});
