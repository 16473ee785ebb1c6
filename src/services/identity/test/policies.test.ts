import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMember } from './fixtures.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(async () => h.close());

const admin = (method: string, url: string, body?: unknown) =>
  h.request(method, url, { token: h.adminToken, body });

describe('/v3/policies', () => {
  it('creates, shows, updates, lists and deletes policy blobs', async () => {
    const created = await admin('POST', '/v3/policies', {
      policy: { blob: '{"a": "rule:b"}', type: 'application/json', owner: 'x' },
    });
    expect(created.status).toBe(201);
    const p = created.body.policy;
    expect(p).toMatchObject({ blob: '{"a": "rule:b"}', type: 'application/json', owner: 'x' });
    expect(p.id).toMatch(/^[0-9a-f]{32}$/);
    expect(p.links.self).toMatch(new RegExp(`/v3/policies/${p.id}$`));

    const upd = await admin('PATCH', `/v3/policies/${p.id}`, { policy: { type: 'text/yaml' } });
    expect(upd.status).toBe(200);
    expect(upd.body.policy).toMatchObject({
      id: p.id,
      type: 'text/yaml',
      blob: p.blob,
      owner: 'x',
    });
    const shown = await admin('GET', `/v3/policies/${p.id}`);
    expect(shown.body.policy).toEqual(upd.body.policy);

    const other = (
      await admin('POST', '/v3/policies', { policy: { blob: 'b', type: 'other-type' } })
    ).body.policy;
    const all = await admin('GET', '/v3/policies');
    expect(all.body.policies.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining([p.id, other.id]),
    );
    const byType = await admin('GET', '/v3/policies?type=other-type');
    expect(byType.body.policies.map((x: { id: string }) => x.id)).toEqual([other.id]);

    expect((await admin('DELETE', `/v3/policies/${p.id}`)).status).toBe(204);
    expect((await admin('GET', `/v3/policies/${p.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/v3/policies/${p.id}`)).status).toBe(404);
    expect((await admin('PATCH', `/v3/policies/${p.id}`, { policy: { type: 't' } })).status).toBe(
      404,
    );
  });

  it('rejects bad input with 400', async () => {
    expect((await admin('POST', '/v3/policies', { policy: { type: 't' } })).status).toBe(400);
    expect((await admin('POST', '/v3/policies', { policy: { blob: 'b' } })).status).toBe(400);
    expect((await admin('POST', '/v3/policies', { policy: { blob: {}, type: 't' } })).status).toBe(
      400,
    );
    expect(
      (await admin('POST', '/v3/policies', { policy: { blob: 'b', type: 'x'.repeat(256) } }))
        .status,
    ).toBe(400);
    const id = (await admin('POST', '/v3/policies', { policy: { blob: 'b', type: 't' } })).body
      .policy.id;
    expect((await admin('PATCH', `/v3/policies/${id}`, { policy: {} })).status).toBe(400);
  });

  it('is for admins only', async () => {
    const member = (await seedMember(h)).token;
    expect((await h.request('GET', '/v3/policies', { token: member })).status).toBe(403);
    expect(
      (
        await h.request('POST', '/v3/policies', {
          token: member,
          body: { policy: { blob: 'b', type: 't' } },
        })
      ).status,
    ).toBe(403);
  });
});
