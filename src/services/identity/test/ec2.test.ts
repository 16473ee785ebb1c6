import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { appCredToken, type SeededMember, seedMember } from './fixtures.ts';

describe('identity: OS-EC2 credentials', () => {
  let h: IdentityHarness;
  let alice: SeededMember;
  let bob: SeededMember;
  beforeAll(async () => {
    h = await startIdentity();
    alice = await seedMember(h);
    bob = await seedMember(h);
  });
  afterAll(async () => h.close());

  const path = (userId: string) => `/v3/users/${userId}/credentials/OS-EC2`;
  const createFor = (m: SeededMember) =>
    h.request('POST', path(m.userId), { token: m.token, body: { tenant_id: m.projectId } });

  it('creates, shows, lists and deletes a user ec2 credential (tempest flow)', async () => {
    const created = await createFor(alice);
    expect(created.status).toBe(201);
    const c = created.body.credential;
    expect(c.access).toMatch(/^[0-9a-f]{32}$/);
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(c).toMatchObject({ user_id: alice.userId, tenant_id: alice.projectId, trust_id: null });
    expect(c.links.self).toMatch(new RegExp(`${path(alice.userId)}/${c.access}$`));

    const second = (await createFor(alice)).body.credential;
    const list = await h.request('GET', path(alice.userId), { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.credentials.map((x: { access: string }) => x.access).sort()).toEqual(
      [c.access, second.access].sort(),
    );

    const shown = await h.request('GET', `${path(alice.userId)}/${c.access}`, {
      token: alice.token,
    });
    expect(shown.status).toBe(200);
    for (const k of ['access', 'secret', 'user_id', 'tenant_id'])
      expect(shown.body.credential[k]).toBe(c[k]);

    // The same credential, through the generic API, under the sha256 of its access key.
    const generic = await h.request(
      'GET',
      `/v3/credentials/${createHash('sha256').update(c.access).digest('hex')}`,
      {
        token: h.adminToken,
      },
    );
    expect(generic.status).toBe(200);
    expect(JSON.parse(generic.body.credential.blob)).toMatchObject({
      access: c.access,
      secret: c.secret,
    });

    expect(
      (await h.request('DELETE', `${path(alice.userId)}/${c.access}`, { token: alice.token }))
        .status,
    ).toBe(204);
    expect(
      (await h.request('GET', `${path(alice.userId)}/${c.access}`, { token: alice.token })).status,
    ).toBe(404);
  });

  it('answers unknown projects, users and keys with 404', async () => {
    const noTenant = await h.request('POST', path(alice.userId), { token: alice.token, body: {} });
    expect(noTenant.status).toBe(404);
    const badTenant = await h.request('POST', path(alice.userId), {
      token: alice.token,
      body: { tenant_id: 'nope' },
    });
    expect(badTenant.status).toBe(404);
    expect(badTenant.body.error.message).toBe('Could not find project: nope.');
    const noUser = await h.request('GET', path('ghost'), { token: h.adminToken });
    expect(noUser.status).toBe(404);
    expect(
      (await h.request('GET', `${path(alice.userId)}/not-a-key`, { token: alice.token })).status,
    ).toBe(404);
  });

  it("keeps one user's ec2 credentials from another", async () => {
    const c = (await createFor(bob)).body.credential;
    expect((await h.request('GET', path(bob.userId), { token: alice.token })).status).toBe(403);
    expect(
      (
        await h.request('POST', path(bob.userId), {
          token: alice.token,
          body: { tenant_id: bob.projectId },
        })
      ).status,
    ).toBe(403);
    expect(
      (await h.request('GET', `${path(bob.userId)}/${c.access}`, { token: alice.token })).status,
    ).toBe(403);
    expect(
      (await h.request('DELETE', `${path(bob.userId)}/${c.access}`, { token: alice.token })).status,
    ).toBe(403);
    // Naming one's own user id with another user's key finds nothing.
    expect(
      (await h.request('GET', `${path(alice.userId)}/${c.access}`, { token: h.adminToken })).status,
    ).toBe(404);
    expect(
      (await h.request('GET', `${path(bob.userId)}/${c.access}`, { token: h.adminToken })).status,
    ).toBe(200);
  });

  it('refuses application credential tokens', async () => {
    const ac = await h.request('POST', `/v3/users/${alice.userId}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'ec2-guard' } },
    });
    const { token } = await appCredToken(
      h,
      ac.body.application_credential.id,
      ac.body.application_credential.secret,
    );
    const res = await h.request('POST', path(alice.userId), {
      token,
      body: { tenant_id: alice.projectId },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('Delegated tokens cannot access credentials directly');
  });
});
