import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { appCredToken, type SeededMember, seedMember, seedUser } from './fixtures.ts';

// The credential, application credential, access rule, trust and consumer stores on every
// dialect, through the API: the queries that differ most between engines (NOT EXISTS in a
// DELETE, counts, NULL comparisons, microsecond times) all run here.
describeEachDialect('identity delegation stores', (suite) => {
  let h: IdentityHarness;
  let alice: SeededMember;
  beforeAll(async () => {
    h = await startIdentity({
      databaseUrl: suite.url,
      settings: { application_credential_user_limit: 2 },
    });
    alice = await seedMember(h);
  });
  afterAll(async () => h?.close());

  it('stores credentials and ec2 credentials', async () => {
    const blob = JSON.stringify({ access: `k-${suite.dialect}`, secret: 's' });
    const c = await h.request('POST', '/v3/credentials', {
      token: alice.token,
      body: {
        credential: { user_id: alice.userId, project_id: alice.projectId, type: 'ec2', blob },
      },
    });
    expect(c.status).toBe(201);
    const id = c.body.credential.id;
    const patched = await h.request('PATCH', `/v3/credentials/${id}`, {
      token: alice.token,
      body: { credential: { blob: JSON.stringify({ access: `k-${suite.dialect}`, secret: 't' }) } },
    });
    expect(patched.status).toBe(200);
    const listed = await h.request('GET', `/v3/credentials?type=ec2&user_id=${alice.userId}`, {
      token: alice.token,
    });
    expect(listed.body.credentials.map((x: { id: string }) => x.id)).toEqual([id]);
    const ec2 = await h.request('POST', `/v3/users/${alice.userId}/credentials/OS-EC2`, {
      token: alice.token,
      body: { tenant_id: alice.projectId },
    });
    expect(ec2.status).toBe(201);
    expect(
      (
        await h.request('GET', `/v3/users/${alice.userId}/credentials/OS-EC2`, {
          token: alice.token,
        })
      ).body.credentials,
    ).toHaveLength(2);
    expect(
      (await h.request('DELETE', `/v3/credentials/${id}`, { token: alice.token })).status,
    ).toBe(204);
  });

  it('stores application credentials with roles and access rules, within the user limit', async () => {
    const when = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19) + '.654321';
    const rule = { service: 'compute', path: '/v2.1/servers', method: 'GET' };
    const res = await h.request('POST', `/v3/users/${alice.userId}/application_credentials`, {
      token: alice.token,
      body: {
        application_credential: {
          name: 'one',
          expires_at: when,
          access_rules: [rule],
          roles: [{ name: 'reader' }],
        },
      },
    });
    expect(res.status).toBe(201);
    const ac = res.body.application_credential;
    expect(ac.expires_at).toBe(when);
    const login = await appCredToken(h, ac.id, ac.secret);
    expect(login.reply.status).toBe(201);
    expect(login.reply.body.token.roles.map((r: { name: string }) => r.name)).toEqual(['reader']);
    const ruleId = ac.access_rules[0].id;
    const rules = `/v3/users/${alice.userId}/access_rules`;
    expect((await h.request('DELETE', `${rules}/${ruleId}`, { token: alice.token })).status).toBe(
      403,
    );

    const second = await h.request('POST', `/v3/users/${alice.userId}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'two', access_rules: [rule] } },
    });
    expect(second.body.application_credential.access_rules[0].id).toBe(ruleId);
    const third = await h.request('POST', `/v3/users/${alice.userId}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'three' } },
    });
    expect(third.status).toBe(403);
    const byName = await h.request(
      'GET',
      `/v3/users/${alice.userId}/application_credentials?name=two`,
      { token: alice.token },
    );
    expect(byName.body.application_credentials).toHaveLength(1);

    for (const id of [ac.id, second.body.application_credential.id]) {
      expect(
        (
          await h.request('DELETE', `/v3/users/${alice.userId}/application_credentials/${id}`, {
            token: alice.token,
          })
        ).status,
      ).toBe(204);
    }
    expect((await h.request('DELETE', `${rules}/${ruleId}`, { token: alice.token })).status).toBe(
      204,
    );
  });

  it('stores, uses up and deletes trusts', async () => {
    const trustee = await seedUser(h, { password: 'Secret-Pass-1' });
    const expires = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19) + '.250000Z';
    const res = await h.request('POST', '/v3/OS-TRUST/trusts', {
      token: alice.token,
      body: {
        trust: {
          trustor_user_id: alice.userId,
          trustee_user_id: trustee,
          project_id: alice.projectId,
          roles: [{ name: 'member' }],
          impersonation: false,
          expires_at: expires,
          remaining_uses: 1,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.trust.expires_at).toBe(expires);
    const trustId = res.body.trust.id;
    const trustToken = () =>
      h.passwordToken(
        { id: trustee, password: 'Secret-Pass-1' },
        { 'OS-TRUST:trust': { id: trustId } },
      );
    const first = await trustToken();
    expect(first.reply.status).toBe(201);
    expect(first.reply.body.token.roles.map((r: { name: string }) => r.name).sort()).toEqual([
      'member',
      'reader',
    ]);
    expect((await trustToken()).reply.status).toBe(401);

    const again = await h.request('POST', '/v3/OS-TRUST/trusts', {
      token: alice.token,
      body: {
        trust: {
          trustor_user_id: alice.userId,
          trustee_user_id: trustee,
          project_id: alice.projectId,
          roles: [{ name: 'member' }],
          impersonation: false,
        },
      },
    });
    expect(again.status).toBe(201);
    const token = (
      await h.passwordToken(
        { id: trustee, password: 'Secret-Pass-1' },
        { 'OS-TRUST:trust': { id: again.body.trust.id } },
      )
    ).token;
    expect(
      (
        await h.request('DELETE', `/v3/OS-TRUST/trusts/${again.body.trust.id}`, {
          token: alice.token,
        })
      ).status,
    ).toBe(204);
    const check = await h.request('GET', '/v3/auth/tokens', {
      token: h.adminToken,
      headers: { 'x-subject-token': token },
    });
    expect(check.status).toBe(404);
    const listed = await h.request('GET', `/v3/OS-TRUST/trusts?trustor_user_id=${alice.userId}`, {
      token: alice.token,
    });
    expect(listed.body.trusts.map((t: { id: string }) => t.id)).toEqual([trustId]);
  });

  it('stores OAuth1 consumers', async () => {
    const c = await h.request('POST', '/v3/OS-OAUTH1/consumers', {
      token: h.adminToken,
      body: { consumer: { description: 'd' } },
    });
    expect(c.status).toBe(201);
    const id = c.body.consumer.id;
    expect(
      (
        await h.request('PATCH', `/v3/OS-OAUTH1/consumers/${id}`, {
          token: h.adminToken,
          body: { consumer: { description: 'e' } },
        })
      ).body.consumer.description,
    ).toBe('e');
    expect(
      (await h.request('DELETE', `/v3/OS-OAUTH1/consumers/${id}`, { token: h.adminToken })).status,
    ).toBe(204);
  });
});
