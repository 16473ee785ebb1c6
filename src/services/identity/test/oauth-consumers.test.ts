import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { seedMember } from './fixtures.ts';

describe('identity: OS-OAUTH1 consumers', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  const base = '/v3/OS-OAUTH1/consumers';
  const create = (description?: string) =>
    h.request('POST', base, {
      token: h.adminToken,
      body: { consumer: description === undefined ? {} : { description } },
    });

  it('creates a consumer, showing its secret only then', async () => {
    const res = await create('first consumer');
    expect(res.status).toBe(201);
    const c = res.body.consumer;
    expect(c.description).toBe('first consumer');
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(c.links.self).toMatch(new RegExp(`${base}/${c.id}$`));
    const shown = await h.request('GET', `${base}/${c.id}`, { token: h.adminToken });
    expect(shown.status).toBe(200);
    for (const key of ['description', 'id', 'links'])
      expect(shown.body.consumer[key]).toEqual(c[key]);
    expect(shown.body.consumer.secret).toBeUndefined();
    const row = await h.env.db
      .selectFrom('identity_oauth_consumer')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).not.toContain(c.secret);
  });

  it('accepts a missing body or description, keeping extra attributes', async () => {
    const bare = await h.request('POST', base, { token: h.adminToken });
    expect(bare.status).toBe(201);
    expect(bare.body.consumer.description).toBeNull();
    const extra = await h.request('POST', base, {
      token: h.adminToken,
      body: { consumer: { description: null, owner: 'ops' } },
    });
    expect(extra.body.consumer.owner).toBe('ops');
    const badType = await h.request('POST', base, {
      token: h.adminToken,
      body: { consumer: { description: 5 } },
    });
    expect(badType.status).toBe(400);
  });

  it('lists, updates and deletes consumers', async () => {
    const one = (await create('one')).body.consumer;
    const two = (await create('two')).body.consumer;
    const list = await h.request('GET', base, { token: h.adminToken });
    const ids = list.body.consumers.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([one.id, two.id]));
    expect(list.body.consumers.every((c: Record<string, unknown>) => !('secret' in c))).toBe(true);

    const upd = await h.request('PATCH', `${base}/${one.id}`, {
      token: h.adminToken,
      body: { consumer: { description: 'renamed' } },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.consumer.description).toBe('renamed');
    expect(
      (await h.request('GET', `${base}/${one.id}`, { token: h.adminToken })).body.consumer
        .description,
    ).toBe('renamed');
    const secret = await h.request('PATCH', `${base}/${one.id}`, {
      token: h.adminToken,
      body: { consumer: { secret: 'x' } },
    });
    expect(secret.status).toBe(400);
    const empty = await h.request('PATCH', `${base}/${one.id}`, {
      token: h.adminToken,
      body: { consumer: {} },
    });
    expect(empty.status).toBe(400);
    const otherId = await h.request('PATCH', `${base}/${one.id}`, {
      token: h.adminToken,
      body: { consumer: { id: 'other' } },
    });
    expect(otherId.status).toBe(400);
    expect(
      (
        await h.request('PATCH', `${base}/nope`, {
          token: h.adminToken,
          body: { consumer: { description: 'x' } },
        })
      ).status,
    ).toBe(404);

    expect((await h.request('DELETE', `${base}/${one.id}`, { token: h.adminToken })).status).toBe(
      204,
    );
    expect((await h.request('GET', `${base}/${one.id}`, { token: h.adminToken })).status).toBe(404);
    expect((await h.request('DELETE', `${base}/${one.id}`, { token: h.adminToken })).status).toBe(
      404,
    );
  });

  it('is for admins only', async () => {
    const member = await seedMember(h);
    expect((await h.request('GET', base, { token: member.token })).status).toBe(403);
    expect(
      (await h.request('POST', base, { token: member.token, body: { consumer: {} } })).status,
    ).toBe(403);
  });

  it('does not offer the OAuth1 token flow', async () => {
    const req = await h.request('POST', '/v3/OS-OAUTH1/request_token', {
      headers: { authorization: 'OAuth oauth_consumer_key="x"' },
    });
    expect(req.status).toBe(501);
    expect(req.body.error.title).toBe('Not Implemented');
    expect((await h.request('POST', '/v3/OS-OAUTH1/access_token')).status).toBe(501);
    const auth = await h.request('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['oauth1'], oauth1: {} } } },
    });
    expect(auth.status).toBe(401);
  });
});
