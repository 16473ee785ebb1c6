import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { getTrust, softDeleteTrustsOfUser, softDeleteTrustsOnProject } from '../store/trusts.ts';
import {
  appCredToken,
  grant,
  type SeededMember,
  seedMember,
  seedProject,
  seedRole,
  seedUser,
} from './fixtures.ts';

const PASSWORD = 'Secret-Pass-1';

describe('identity: OS-TRUST trusts', () => {
  let h: IdentityHarness;
  let trustor: SeededMember;
  let trusteeId: string;
  let delegated: { id: string; name: string };
  let notDelegated: string;
  beforeAll(async () => {
    h = await startIdentity({ settings: { allow_redelegation: true, max_redelegation_count: 2 } });
    delegated = { id: await seedRole(h, { name: 'DelegatedRole' }), name: 'DelegatedRole' };
    notDelegated = await seedRole(h, { name: 'NotDelegatedRole' });
    trustor = await seedMember(h, { extraRoleIds: [delegated.id, notDelegated] });
    trusteeId = await seedUser(h, { name: 'trustee', password: PASSWORD });
  });
  afterAll(async () => h.close());

  const createTrust = (body: Record<string, unknown>, token = trustor.token) =>
    h.request('POST', '/v3/OS-TRUST/trusts', {
      token,
      body: {
        trust: {
          trustor_user_id: trustor.userId,
          trustee_user_id: trusteeId,
          project_id: trustor.projectId,
          roles: [{ name: delegated.name }],
          impersonation: true,
          ...body,
        },
      },
    });
  const trustToken = (userId: string, trustId: string) =>
    h.passwordToken({ id: userId, password: PASSWORD }, { 'OS-TRUST:trust': { id: trustId } });

  it('creates, shows and lists the roles of a trust (tempest flow)', async () => {
    for (const impersonation of [true, false]) {
      const res = await createTrust({ impersonation });
      expect(res.status).toBe(201);
      const t = res.body.trust;
      expect(t).toMatchObject({
        impersonation,
        trustor_user_id: trustor.userId,
        trustee_user_id: trusteeId,
        project_id: trustor.projectId,
        expires_at: null,
        remaining_uses: null,
        redelegated_trust_id: null,
        redelegation_count: 0,
      });
      expect(t.links.self).toContain(`/v3/OS-TRUST/trusts/${t.id}`);
      expect(t.roles.map((r: { name: string }) => r.name)).toEqual([delegated.name]);
      expect(t.roles[0].links.self).toContain(`/v3/roles/${delegated.id}`);

      const shown = await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token });
      expect(shown.status).toBe(200);
      expect(shown.body.trust.roles).toHaveLength(1);
      const roles = await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}/roles`, {
        token: trustor.token,
      });
      expect(roles.body.roles.map((r: { id: string }) => r.id)).toEqual([delegated.id]);
      const role = await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}/roles/${delegated.id}`, {
        token: trustor.token,
      });
      expect(role.body.role).toMatchObject({ id: delegated.id, name: delegated.name });
      expect(
        (
          await h.request('HEAD', `/v3/OS-TRUST/trusts/${t.id}/roles/${delegated.id}`, {
            token: trustor.token,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}/roles/${notDelegated}`, {
            token: trustor.token,
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await h.request('HEAD', `/v3/OS-TRUST/trusts/${t.id}/roles/${notDelegated}`, {
            token: trustor.token,
          })
        ).status,
      ).toBe(404);

      expect(
        (await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token })).status,
      ).toBe(204);
      expect(
        (await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token })).status,
      ).toBe(404);
      const row = await h.env.db
        .selectFrom('identity_trust')
        .select('deleted_at')
        .where('id', '=', t.id)
        .executeTakeFirstOrThrow();
      expect(row.deleted_at).not.toBeNull();
    }
  });

  it('keeps the expiry to the microsecond and refuses malformed ones', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19) + 'Z';
    const res = await createTrust({ expires_at: expires });
    expect(res.status).toBe(201);
    expect(res.body.trust.expires_at).toBe(expires.replace('Z', '.000000Z'));
    const shown = await h.request('GET', `/v3/OS-TRUST/trusts/${res.body.trust.id}`, {
      token: trustor.token,
    });
    expect(shown.body.trust.expires_at).toBe(expires.replace('Z', '.000000Z'));
    expect((await createTrust({ expires_at: 'bad.123Z' })).status).toBe(400);
    expect((await createTrust({ expires_at: '2000-01-01T00:00:00Z' })).status).toBe(400);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${res.body.trust.id}`, { token: trustor.token });
  });

  it('lists by trustor and trustee; the whole list is for admins', async () => {
    const t = (await createTrust({})).body.trust;
    const mine = await h.request('GET', `/v3/OS-TRUST/trusts?trustor_user_id=${trustor.userId}`, {
      token: trustor.token,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.trusts.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect(mine.body.trusts[0].roles).toBeUndefined();
    const trustee = await h.passwordToken({ id: trusteeId, password: PASSWORD });
    const asTrustee = await h.request('GET', `/v3/OS-TRUST/trusts?trustee_user_id=${trusteeId}`, {
      token: trustee.token,
    });
    expect(asTrustee.body.trusts.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect(
      (
        await h.request('GET', `/v3/OS-TRUST/trusts?trustor_user_id=${trustor.userId}`, {
          token: trustee.token,
        })
      ).status,
    ).toBe(403);
    expect((await h.request('GET', '/v3/OS-TRUST/trusts', { token: trustor.token })).status).toBe(
      403,
    );
    const all = await h.request('GET', '/v3/OS-TRUST/trusts', { token: h.adminToken });
    expect(all.body.trusts.map((x: { id: string }) => x.id)).toContain(t.id);
    expect((await h.request('GET', '/v3/OS-TRUST/trusts')).status).toBe(401);
    const stranger = await seedMember(h);
    expect(
      (await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}`, { token: stranger.token })).status,
    ).toBe(403);
    expect(
      (await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustee.token })).status,
    ).toBe(403);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token });
  });

  it('refuses trusts the caller may not make', async () => {
    const other = await seedMember(h);
    expect((await createTrust({}, other.token)).status).toBe(403);
    expect((await createTrust({ trustee_user_id: 'ghost' })).status).toBe(404);
    expect((await createTrust({ roles: [] })).status).toBe(403);
    const admin = await createTrust({ roles: [{ name: 'admin' }] });
    expect(admin.status).toBe(404);
    expect(admin.body.error.message).toContain('Could not find role');
    expect((await createTrust({ impersonation: 'yes' })).status).toBe(400);
    expect((await createTrust({ remaining_uses: 0 })).status).toBe(400);
    expect((await createTrust({ project_id: 'nowhere' })).status).toBe(404);
    const first = await createTrust({ impersonation: false, expires_at: null, note: 'extra' });
    expect(first.status).toBe(201);
    expect(first.body.trust.note).toBe('extra');
    expect((await createTrust({ impersonation: false })).status).toBe(409);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${first.body.trust.id}`, {
      token: trustor.token,
    });
  });

  it('issues trust-scoped tokens with the delegated roles, until the trust is deleted', async () => {
    for (const impersonation of [false, true]) {
      const t = (await createTrust({ impersonation })).body.trust;
      const { token, reply } = await trustToken(trusteeId, t.id);
      expect(reply.status).toBe(201);
      const body = reply.body.token;
      expect(body['OS-TRUST:trust']).toEqual({
        id: t.id,
        impersonation,
        trustee_user: { id: trusteeId },
        trustor_user: { id: trustor.userId },
      });
      expect(body.user.id).toBe(impersonation ? trustor.userId : trusteeId);
      expect(body.project.id).toBe(trustor.projectId);
      expect(body.roles.map((r: { name: string }) => r.name)).toEqual([delegated.name]);

      const check = () =>
        h.request('GET', '/v3/auth/tokens', {
          token: h.adminToken,
          headers: { 'x-subject-token': token },
        });
      expect((await check()).status).toBe(200);
      expect(
        (await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token })).status,
      ).toBe(204);
      expect((await check()).status).toBe(404);
    }
    const stranger = await seedUser(h, { password: PASSWORD });
    const t = (await createTrust({})).body.trust;
    expect((await trustToken(stranger, t.id)).reply.status).toBe(401);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token });
  });

  it('counts down remaining uses', async () => {
    const t = (await createTrust({ remaining_uses: 1 })).body.trust;
    expect(t.remaining_uses).toBe(1);
    expect((await trustToken(trusteeId, t.id)).reply.status).toBe(201);
    expect((await trustToken(trusteeId, t.id)).reply.status).toBe(401);
    expect(
      (await h.request('GET', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token })).status,
    ).toBe(404);
    // A used-up trust no longer blocks an identical new one.
    const again = await createTrust({ remaining_uses: 1 });
    expect(again.status).toBe(201);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${again.body.trust.id}`, {
      token: trustor.token,
    });
  });

  it('refuses application credential tokens, and trust tokens managing application credentials', async () => {
    const ac = await h.request('POST', `/v3/users/${trustor.userId}/application_credentials`, {
      token: trustor.token,
      body: { application_credential: { name: 'no-trusts', unrestricted: true } },
    });
    const acToken = (
      await appCredToken(
        h,
        ac.body.application_credential.id,
        ac.body.application_credential.secret,
      )
    ).token;
    const viaAppCred = await createTrust({}, acToken);
    expect(viaAppCred.status).toBe(403);
    expect(viaAppCred.body.error.message).toContain('Delegated tokens cannot manage trusts');

    const t = (await createTrust({ impersonation: true })).body.trust;
    const { token } = await trustToken(trusteeId, t.id);
    const viaTrust = await h.request(
      'POST',
      `/v3/users/${trustor.userId}/application_credentials`,
      {
        token,
        body: { application_credential: { name: 'via-trust' } },
      },
    );
    expect(viaTrust.status).toBe(403);
    await h.request('DELETE', `/v3/OS-TRUST/trusts/${t.id}`, { token: trustor.token });
  });

  it('redelegates within the configured depth, and deleting a trust deletes what came from it', async () => {
    const third = await seedUser(h, { password: PASSWORD });
    const parent = await createTrust({ impersonation: false, allow_redelegation: true });
    expect(parent.status).toBe(201);
    expect(parent.body.trust.redelegation_count).toBe(2);
    const { token } = await trustToken(trusteeId, parent.body.trust.id);
    const redelegate = (body: Record<string, unknown>) =>
      h.request('POST', '/v3/OS-TRUST/trusts', {
        token,
        body: {
          trust: {
            trustor_user_id: trusteeId,
            trustee_user_id: third,
            project_id: trustor.projectId,
            roles: [{ id: delegated.id }],
            impersonation: false,
            ...body,
          },
        },
      });
    expect((await redelegate({ impersonation: true })).status).toBe(403);
    const widen = await redelegate({ roles: [{ id: notDelegated }] });
    expect(widen.status).toBe(403);
    expect(widen.body.error.message).toContain('not in redelegated trust');
    const child = await redelegate({ allow_redelegation: true });
    expect(child.status).toBe(201);
    expect(child.body.trust).toMatchObject({
      redelegated_trust_id: parent.body.trust.id,
      redelegation_count: 1,
    });

    const thirdToken = await trustToken(third, child.body.trust.id);
    expect(thirdToken.reply.status).toBe(201);
    expect(thirdToken.reply.body.token.roles.map((r: { name: string }) => r.name)).toEqual([
      delegated.name,
    ]);

    expect(
      (
        await h.request('DELETE', `/v3/OS-TRUST/trusts/${parent.body.trust.id}`, {
          token: trustor.token,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await h.request('GET', `/v3/OS-TRUST/trusts/${child.body.trust.id}`, {
          token: h.adminToken,
        })
      ).status,
    ).toBe(404);
    const check = await h.request('GET', '/v3/auth/tokens', {
      token: h.adminToken,
      headers: { 'x-subject-token': thirdToken.token },
    });
    expect(check.status).toBe(404);
  });

  it('offers cleanup of the trusts of a deleted user or project', async () => {
    const a = (await createTrust({})).body.trust;
    const b = (await createTrust({ impersonation: false })).body.trust;
    const gone = await softDeleteTrustsOfUser(h.env.db, trusteeId, h.env.now());
    // The used-up trust of an earlier test goes too.
    expect(gone).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(await getTrust(h.env.db, a.id)).toBeUndefined();
    const c = (await createTrust({})).body.trust;
    expect(await softDeleteTrustsOnProject(h.env.db, trustor.projectId, h.env.now())).toEqual([
      c.id,
    ]);
  });

  it('refuses a depth beyond max_redelegation_count', async () => {
    expect((await createTrust({ allow_redelegation: true, redelegation_count: 3 })).status).toBe(
      403,
    );
  });
});

describe('identity: trusts with redelegation disabled', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('refuses a redelegatable trust', async () => {
    const role = await seedRole(h);
    const project = await seedProject(h);
    const trustor = await seedUser(h, { password: PASSWORD });
    const trustee = await seedUser(h, { password: PASSWORD });
    await grant(h, { type: 'UserProject', actorId: trustor, targetId: project, roleId: role });
    const { token } = await h.passwordToken(
      { id: trustor, password: PASSWORD },
      { project: { id: project } },
    );
    const trust = (allow: boolean) =>
      h.request('POST', '/v3/OS-TRUST/trusts', {
        token,
        body: {
          trust: {
            trustor_user_id: trustor,
            trustee_user_id: trustee,
            project_id: project,
            roles: [{ id: role }],
            impersonation: false,
            allow_redelegation: allow,
          },
        },
      });
    expect((await trust(true)).status).toBe(403);
    const plain = await trust(false);
    expect(plain.status).toBe(201);
    expect(plain.body.trust.redelegation_count).toBe(0);
  });
});
