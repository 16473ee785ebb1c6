import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeCloud } from './compute-cloud.ts';

describe('compute API: version documents, microversions, faults', () => {
  let c: ComputeCloud;
  beforeAll(async () => {
    c = await startComputeCloud();
  }, 120_000);
  afterAll(async () => c?.close());

  it('lists v2.0 and v2.1 at the root without a token, and describes each', async () => {
    const root = await c.cloud.request('compute', 'GET', '/');
    expect(root.status).toBe(200);
    const byId = Object.fromEntries(root.body.versions.map((v: { id: string }) => [v.id, v]));
    expect(byId['v2.1']).toMatchObject({ status: 'CURRENT', version: '2.90', min_version: '2.1' });
    expect(byId['v2.0']).toMatchObject({ status: 'SUPPORTED', version: '', min_version: '' });
    for (const id of ['v2.0', 'v2.1']) {
      const self = byId[id].links.find((l: { rel: string }) => l.rel === 'self').href as string;
      const doc = await c.cloud.request('compute', 'GET', self);
      expect(doc.status).toBe(200);
      expect(doc.body.version.id).toBe(id);
      expect(doc.body.version['media-types'][0].base).toBe('application/json');
    }
  });

  it("negotiates microversions through both headers and answers with Nova's headers and request ids", async () => {
    const dflt = await c.admin.call('GET', 'flavors');
    expect(dflt.headers.get('openstack-api-version')).toBe('compute 2.1');
    expect(dflt.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    expect(dflt.headers.get('x-compute-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(dflt.headers.get('x-openstack-request-id')).toBe(
      dflt.headers.get('x-compute-request-id'),
    );
    const latest = await c.admin.call('GET', 'flavors', { version: 'latest' });
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.90');
    const legacy = await c.admin.call('GET', 'flavors', {
      headers: { 'X-OpenStack-Nova-API-Version': '2.55' },
    });
    expect(legacy.headers.get('openstack-api-version')).toBe('compute 2.55');
    const tooNew = await c.admin.call('GET', 'flavors', { version: '2.91' });
    expect(tooNew.status).toBe(406);
    expect(tooNew.body.notAcceptable.code).toBe(406);
    const bad = await c.admin.call('GET', 'flavors', { version: '2.x' });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toMatch(/not a valid microversion/);
  });

  it("answers in Nova's fault format: 401 without a token, 404 for unknown flavors and paths", async () => {
    const noToken = await c.cloud.request('compute', 'GET', 'flavors');
    expect(noToken.status).toBe(401);
    expect(noToken.body.unauthorized.code).toBe(401);
    const missing = await c.admin.call('GET', 'flavors/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      itemNotFound: { code: 404, message: 'Flavor nope could not be found.' },
    });
    expect((await c.admin.call('GET', 'no-such-thing')).body.itemNotFound.code).toBe(404);
  });

  it("serves the legacy /v2.1/{project_id} paths, refusing another project's id", async () => {
    const own = await c.admin.call('GET', `/v2.1/${c.admin.projectId}/os-keypairs`);
    expect(own.status).toBe(200);
    expect(own.body.keypairs).toEqual([]);
    const other = await c.admin.call('GET', '/v2.1/0123456789abcdef0123456789abcdef/os-keypairs');
    expect(other.status).toBe(400);
    expect(other.body.badRequest.message).toMatch(/doesn't match Context's project_id/);
  });
});
