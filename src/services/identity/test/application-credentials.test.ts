import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import {
  deleteApplicationCredentialsOfUser,
  listApplicationCredentials,
} from '../store/application-credentials.ts';
import { appCredToken, grant, roleId, type SeededMember, seedMember, seedRole } from './fixtures.ts';

describe('identity: application credentials', () => {
  let h: IdentityHarness;
  let alice: SeededMember;
  let bob: SeededMember;
  let extraRole: string;
  beforeAll(async () => {
    h = await startIdentity();
    extraRole = await seedRole(h, { name: 'observer' });
    alice = await seedMember(h, { extraRoleIds: [extraRole] });
    bob = await seedMember(h);
  });
  afterAll(async () => h.close());

  const path = (userId: string) => `/v3/users/${userId}/application_credentials`;
  const create = (m: SeededMember, body: Record<string, unknown>, token = m.token) =>
    h.request('POST', path(m.userId), { token, body: { application_credential: body } });
  const roleNames = (roles: Array<{ name: string }>) => roles.map((r) => r.name).sort();

  it('creates one with every role of the token, shows the secret once, and authenticates with it', async () => {
    const res = await create(alice, { name: 'monitoring', description: 'for the monitor' });
    expect(res.status).toBe(201);
    const ac = res.body.application_credential;
    expect(ac).toMatchObject({
      name: 'monitoring',
      description: 'for the monitor',
      project_id: alice.projectId,
      unrestricted: false,
      expires_at: null,
    });
    expect(ac.secret.length).toBeGreaterThanOrEqual(80);
    expect(roleNames(ac.roles)).toEqual(['member', 'observer', 'reader']);
    expect(ac.links.self).toMatch(new RegExp(`/v3/application_credentials/${ac.id}$`));

    const shown = await h.request('GET', `${path(alice.userId)}/${ac.id}`, { token: alice.token });
    expect(shown.status).toBe(200);
    expect(shown.body.application_credential.secret).toBeUndefined();
    expect(shown.body.application_credential.name).toBe('monitoring');

    const byId = await appCredToken(h, ac.id, ac.secret);
    expect(byId.reply.status).toBe(201);
    const token = byId.reply.body.token;
    expect(token.project.id).toBe(alice.projectId);
    expect(token.methods).toEqual(['application_credential']);
    expect(token.user.id).toBe(alice.userId);
    expect(token.application_credential).toEqual({
      id: ac.id,
      name: 'monitoring',
      restricted: true,
    });

    const byName = await h.request('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: {
              name: 'monitoring',
              secret: ac.secret,
              user: { id: alice.userId },
            },
          },
        },
      },
    });
    expect(byName.status).toBe(201);
    expect((await appCredToken(h, ac.id, 'wrong')).reply.status).toBe(401);
  });

  it('delegates only the roles asked for, which the token must carry', async () => {
    const observer = await create(alice, { name: 'observer-only', roles: [{ id: extraRole }] });
    expect(observer.status).toBe(201);
    expect(roleNames(observer.body.application_credential.roles)).toEqual(['observer']);
    const login = await appCredToken(
      h,
      observer.body.application_credential.id,
      observer.body.application_credential.secret,
    );
    expect(roleNames(login.reply.body.token.roles)).toEqual(['observer']);

    const byName = await create(alice, { name: 'by-name', roles: [{ name: 'reader' }] });
    expect(byName.status).toBe(201);
    expect(roleNames(byName.body.application_credential.roles)).toEqual(['reader']);

    const admin = await create(alice, {
      name: 'escalate',
      roles: [{ id: await roleId(h, 'admin') }],
    });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toContain('unassigned role');
    expect(
      (await create(alice, { name: 'ghost-role', roles: [{ name: 'no-such-role' }] })).status,
    ).toBe(404);
    expect(
      (await create(alice, { name: 'two-keys', roles: [{ id: extraRole, name: 'observer' }] }))
        .status,
    ).toBe(400);
  });

  it('echoes expires_at to the microsecond and refuses past or malformed times', async () => {
    const when = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19) + '.123456';
    const res = await create(alice, { name: 'expiring', expires_at: when });
    expect(res.status).toBe(201);
    expect(res.body.application_credential.expires_at).toBe(when);
    const shown = await h.request(
      'GET',
      `${path(alice.userId)}/${res.body.application_credential.id}`,
      { token: alice.token },
    );
    expect(shown.body.application_credential.expires_at).toBe(when);
    const login = await appCredToken(
      h,
      res.body.application_credential.id,
      res.body.application_credential.secret,
    );
    expect(new Date(login.reply.body.token.expires_at).getTime()).toBeLessThanOrEqual(
      new Date(`${when}Z`).getTime(),
    );

    const past = await create(alice, { name: 'past', expires_at: '2001-01-01T00:00:00' });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toContain("'expires_at' must not be before now");
    const bad = await create(alice, { name: 'bad-time', expires_at: 'bad.123Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('Timestamp not in expected format');
  });

  it('keeps names unique per user and filters lists by name', async () => {
    expect((await create(bob, { name: 'dup' })).status).toBe(201);
    const again = await create(bob, { name: 'dup' });
    expect(again.status).toBe(409);
    expect((await create(alice, { name: 'dup' })).status).toBe(201);
    expect((await create(bob, { name: 'other' })).status).toBe(201);
    const all = await h.request('GET', path(bob.userId), { token: bob.token });
    expect(all.body.application_credentials.map((a: { name: string }) => a.name).sort()).toEqual([
      'dup',
      'other',
    ]);
    const one = await h.request('GET', `${path(bob.userId)}?name=other`, { token: bob.token });
    expect(one.body.application_credentials.map((a: { name: string }) => a.name)).toEqual([
      'other',
    ]);
    expect((await create(bob, { name: '   ' })).status).toBe(400);
    expect(
      (
        await h.request('POST', path(bob.userId), {
          token: bob.token,
          body: { application_credential: {} },
        })
      ).status,
    ).toBe(400);
  });

  it("keeps one user's application credentials from another; admin may read them", async () => {
    const mine = (await create(bob, { name: 'private' })).body.application_credential;
    expect((await h.request('GET', path(bob.userId), { token: alice.token })).status).toBe(403);
    expect(
      (await h.request('GET', `${path(bob.userId)}/${mine.id}`, { token: alice.token })).status,
    ).toBe(403);
    // Alice's own user id with Bob's credential id: not found under her.
    expect(
      (await h.request('GET', `${path(alice.userId)}/${mine.id}`, { token: alice.token })).status,
    ).toBe(404);
    expect(
      (await h.request('DELETE', `${path(alice.userId)}/${mine.id}`, { token: alice.token }))
        .status,
    ).toBe(404);
    expect((await create(bob, { name: 'for-bob' }, alice.token)).status).toBe(403);
    expect(
      (await h.request('GET', `${path(bob.userId)}/${mine.id}`, { token: h.adminToken })).status,
    ).toBe(200);
  });

  it('needs a project-scoped token, and an unrestricted one to create more from a credential', async () => {
    const unscoped = await h.passwordToken({ id: alice.userId, password: alice.password });
    expect((await create(alice, { name: 'unscoped' }, unscoped.token)).status).toBe(400);

    const restricted = (await create(alice, { name: 'restricted' })).body.application_credential;
    const rToken = (await appCredToken(h, restricted.id, restricted.secret)).token;
    const refused = await create(alice, { name: 'child' }, rToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(
      "Using method 'application_credential' is not allowed",
    );
    expect((await h.request('GET', path(alice.userId), { token: rToken })).status).toBe(200);
    expect(
      (await h.request('DELETE', `${path(alice.userId)}/${restricted.id}`, { token: rToken }))
        .status,
    ).toBe(403);

    const open = (await create(alice, { name: 'unrestricted', unrestricted: true })).body
      .application_credential;
    const uToken = (await appCredToken(h, open.id, open.secret)).token;
    const child = await create(alice, { name: 'child', roles: [{ name: 'reader' }] }, uToken);
    expect(child.status).toBe(201);
    expect(child.body.application_credential.project_id).toBe(alice.projectId);
  });

  it('invalidates its tokens when deleted', async () => {
    const ac = (await create(alice, { name: 'short-lived' })).body.application_credential;
    const { token } = await appCredToken(h, ac.id, ac.secret);
    const check = () =>
      h.request('GET', '/v3/auth/tokens', {
        token: h.adminToken,
        headers: { 'x-subject-token': token },
      });
    expect((await check()).status).toBe(200);
    expect(
      (await h.request('DELETE', `${path(alice.userId)}/${ac.id}`, { token: alice.token })).status,
    ).toBe(204);
    expect((await check()).status).toBe(404);
    expect(
      (await h.request('GET', `${path(alice.userId)}/${ac.id}`, { token: alice.token })).status,
    ).toBe(404);
    expect((await appCredToken(h, ac.id, ac.secret)).reply.status).toBe(401);
  });

  it("offers cleanup of a user's credentials on one project", async () => {
    const carol = await seedMember(h);
    await create(carol, { name: 'c1' });
    await create(carol, { name: 'c2' });
    expect(
      await deleteApplicationCredentialsOfUser(h.env.db, carol.userId, 'another-project'),
    ).toBe(0);
    expect(await deleteApplicationCredentialsOfUser(h.env.db, carol.userId, carol.projectId)).toBe(
      2,
    );
    expect(await listApplicationCredentials(h.env.db, carol.userId)).toEqual([]);
  });

  it('authenticates with a role granted after the user was made (tempest admin test)', async () => {
    const role = await seedRole(h);
    await grant(h, {
      type: 'UserProject',
      actorId: bob.userId,
      targetId: bob.projectId,
      roleId: role,
    });
    const fresh = await h.passwordToken(
      { id: bob.userId, password: bob.password },
      { project: { id: bob.projectId } },
    );
    const ac = (await create(bob, { name: 'with-role', roles: [{ id: role }] }, fresh.token)).body
      .application_credential;
    const login = await appCredToken(h, ac.id, ac.secret);
    expect(login.reply.body.token.project.id).toBe(bob.projectId);
    expect(login.reply.body.token.roles[0].id).toBe(role);
  });
});

describe('identity: application credentials follow the grants behind them', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('are deleted when the user loses the last role on their project', async () => {
    const m = await seedMember(h);
    const made = await h.request('POST', `/v3/users/${m.userId}/application_credentials`, {
      token: m.token,
      body: { application_credential: { name: 'ci' } },
    });
    expect(made.status).toBe(201);
    const member = await roleId(h, 'member');
    const revoke = await h.request('DELETE', `/v3/projects/${m.projectId}/users/${m.userId}/roles/${member}`, {
      token: h.adminToken,
    });
    expect(revoke.status).toBe(204);
    expect(await listApplicationCredentials(h.env.db, m.userId)).toEqual([]);
  });

  it('are deleted with their project', async () => {
    const m = await seedMember(h);
    const made = await h.request('POST', `/v3/users/${m.userId}/application_credentials`, {
      token: m.token,
      body: { application_credential: { name: 'ci' } },
    });
    expect(made.status).toBe(201);
    await h.request('PATCH', `/v3/projects/${m.projectId}`, { token: h.adminToken, body: { project: { enabled: false } } });
    const del = await h.request('DELETE', `/v3/projects/${m.projectId}`, { token: h.adminToken });
    expect(del.status).toBe(204);
    expect(await listApplicationCredentials(h.env.db, m.userId)).toEqual([]);
  });
});
