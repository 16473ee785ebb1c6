import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { newId } from '../ids.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { createUser, grant, seedDomain, seedMember, seedProject, sleep } from './fixtures.ts';

const pw = () => `Pw-${newId()}`;
const uname = (p = 'user') => `${p}-${newId().slice(0, 10)}`;

async function count(
  h: IdentityHarness,
  table: 'identity_user' | 'identity_password',
): Promise<number> {
  const row = await h.env.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('identity: users', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  const admin = (method: string, url: string, body?: unknown) =>
    h.request(method, url, { token: h.adminToken, ...(body !== undefined ? { body } : {}) });

  it("creates a user with Keystone's view, extra attributes kept, and the password stored as bcrypt", async () => {
    const password = pw();
    const name = uname();
    const created = await admin('POST', '/v3/users', {
      user: {
        name: `  ${name} `,
        password,
        description: 'd',
        email: `${name}@example.com`,
        enabled: false,
      },
    });
    expect(created.status).toBe(201);
    const u = created.body.user;
    expect(u).toMatchObject({
      name,
      domain_id: 'default',
      enabled: false,
      description: 'd',
      email: `${name}@example.com`,
      password_expires_at: null,
      options: {},
    });
    expect(u.id).toMatch(/^[0-9a-f]{32}$/);
    expect(u.links.self).toMatch(new RegExp(`/v3/users/${u.id}$`));
    expect(u).not.toHaveProperty('password');
    expect(u).not.toHaveProperty('default_project_id');
    expect(JSON.stringify(created.body)).not.toContain(password);
    const row = await h.env.db
      .selectFrom('identity_password')
      .selectAll()
      .where('user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$2[aby]\$/);
    expect(row.password_hash).not.toContain(password);

    const shown = await admin('GET', `/v3/users/${u.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.user).toEqual(u);
    const head = await admin('HEAD', `/v3/users/${u.id}`);
    expect(head.status).toBe(200);
  });

  it('authenticates a created user and defaults the token to its default project', async () => {
    const projectId = await seedProject(h);
    const password = pw();
    const u = await createUser(h, { name: uname(), password, default_project_id: projectId });
    expect(u.default_project_id).toBe(projectId);
    await grant(h, { type: 'UserProject', actorId: u.id, targetId: projectId, role: 'member' });
    const { reply } = await h.passwordToken({ id: u.id, password });
    expect(reply.status).toBe(201);
    expect(reply.body.token.project.id).toBe(projectId);
  });

  it('rejects bad input with 400, an unknown domain with 404 and a duplicate name with 409', async () => {
    const missingName = await admin('POST', '/v3/users', { user: { password: pw() } });
    expect(missingName.status).toBe(400);
    expect(missingName.body.error.message).toContain('name');
    const blank = await admin('POST', '/v3/users', { user: { name: '   ' } });
    expect(blank.status).toBe(400);
    const wrongType = await admin('POST', '/v3/users', { user: { name: uname(), enabled: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('user.enabled');
    const badOption = await admin('POST', '/v3/users', {
      user: { name: uname(), options: { no_such_option: true } },
    });
    expect(badOption.status).toBe(400);
    const badOptionType = await admin('POST', '/v3/users', {
      user: { name: uname(), options: { lock_password: 'yes' } },
    });
    expect(badOptionType.status).toBe(400);
    for (const rules of [[['password'], ['password']], [[]], [['totp', 'totp']], ['password']]) {
      const r = await admin('POST', '/v3/users', {
        user: { name: uname(), options: { multi_factor_auth_rules: rules } },
      });
      expect(r.status, JSON.stringify(rules)).toBe(400);
    }
    const noBody = await admin('POST', '/v3/users', {});
    expect(noBody.status).toBe(400);

    const unknownDomain = await admin('POST', '/v3/users', {
      user: { name: uname(), domain_id: newId() },
    });
    expect(unknownDomain.status).toBe(404);
    expect(unknownDomain.body.error.message).toContain('domain');

    const domainAsProject = await admin('POST', '/v3/users', {
      user: { name: uname(), default_project_id: 'default' },
    });
    expect(domainAsProject.status).toBe(400);

    const name = uname();
    await createUser(h, { name });
    const dup = await admin('POST', '/v3/users', { user: { name } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe(409);
    const otherDomain = await admin('POST', '/v3/users', {
      user: { name, domain_id: await seedDomain(h) },
    });
    expect(otherDomain.status).toBe(201);
  });

  it('leaves no partial row behind when a request fails', async () => {
    const name = uname();
    const first = await createUser(h, { name, password: pw() });
    const users = await count(h, 'identity_user');
    const passwords = await count(h, 'identity_password');
    const dup = await admin('POST', '/v3/users', { user: { name, password: pw() } });
    expect(dup.status).toBe(409);
    expect(await count(h, 'identity_user')).toBe(users);
    expect(await count(h, 'identity_password')).toBe(passwords);

    // A rename that conflicts must not apply the password change sent with it either.
    const password = pw();
    const other = await createUser(h, { name: uname(), password });
    const newPassword = pw();
    const clash = await admin('PATCH', `/v3/users/${other.id}`, {
      user: { name: first.name, password: newPassword, email: 'x@y' },
    });
    expect(clash.status).toBe(409);
    expect((await h.passwordToken({ id: other.id, password })).reply.status).toBe(201);
    expect((await h.passwordToken({ id: other.id, password: newPassword })).reply.status).toBe(401);
    expect((await admin('GET', `/v3/users/${other.id}`)).body.user).toEqual(other);
  });

  it('updates a user as tempest test_user_update does', async () => {
    const u = await createUser(h, {
      name: uname(),
      password: pw(),
      description: 'a',
      email: 'a@b',
      enabled: false,
    });
    const projectId = await seedProject(h);
    const update = {
      id: u.id,
      name: uname('user2'),
      description: 'desc2',
      project_id: projectId,
      email: 'user2@testmail.tm',
      enabled: false,
    };
    const patched = await admin('PATCH', `/v3/users/${u.id}`, { user: update });
    expect(patched.status).toBe(200);
    for (const [k, v] of Object.entries(update)) expect(patched.body.user[k]).toEqual(v);
    const shown = await admin('GET', `/v3/users/${u.id}`);
    expect(shown.body.user).toEqual(patched.body.user);

    expect((await admin('PATCH', `/v3/users/${u.id}`, { user: { id: newId() } })).status).toBe(400);
    expect(
      (await admin('PATCH', `/v3/users/${u.id}`, { user: { domain_id: await seedDomain(h) } }))
        .status,
    ).toBe(400);
    expect((await admin('PATCH', `/v3/users/${u.id}`, { user: {} })).status).toBe(400);
    expect((await admin('PATCH', `/v3/users/${newId()}`, { user: { name: 'x' } })).status).toBe(
      404,
    );
  });

  it('merges options: a value sets one, null removes it', async () => {
    const u = await createUser(h, {
      name: uname(),
      options: { ignore_password_expiry: true, lock_password: true },
    });
    expect(u.options).toEqual({ ignore_password_expiry: true, lock_password: true });
    const rules = [['password', 'totp'], ['password']];
    const patched = await admin('PATCH', `/v3/users/${u.id}`, {
      user: {
        options: {
          lock_password: null,
          multi_factor_auth_rules: rules,
          multi_factor_auth_enabled: true,
        },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.user.options).toEqual({
      ignore_password_expiry: true,
      multi_factor_auth_rules: rules,
      multi_factor_auth_enabled: true,
    });
  });

  it("lists users with Keystone's filters", async () => {
    const domainId = await seedDomain(h);
    const inDomain = await createUser(h, {
      name: uname('listed'),
      password: pw(),
      domain_id: domainId,
    });
    const disabled = await createUser(h, { name: uname('listed'), password: pw(), enabled: false });

    const all = await admin('GET', '/v3/users');
    expect(all.status).toBe(200);
    const ids = all.body.users.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([inDomain.id, disabled.id, h.adminUserId]));
    expect(all.body.links).toEqual({
      self: expect.stringMatching(/\/v3\/users$/),
      previous: null,
      next: null,
    });

    const byDomain = await admin('GET', `/v3/users?domain_id=${domainId}`);
    expect(byDomain.body.users.map((u: { id: string }) => u.id)).toEqual([inDomain.id]);
    const notEnabled = await admin('GET', '/v3/users?enabled=False');
    const notEnabledIds = notEnabled.body.users.map((u: { id: string }) => u.id);
    expect(notEnabledIds).toContain(disabled.id);
    expect(notEnabledIds).not.toContain(inDomain.id);
    const byName = await admin('GET', `/v3/users?name=${inDomain.name}`);
    expect(byName.body.users).toEqual([inDomain]);
    const contains = await admin(
      'GET',
      `/v3/users?name__icontains=${inDomain.name.slice(0, 14).toUpperCase()}`,
    );
    expect(contains.body.users.map((u: { id: string }) => u.id)).toEqual([inDomain.id]);
    const federated = await admin('GET', '/v3/users?idp_id=myidp');
    expect(federated.status).toBe(200);
    expect(federated.body.users).toEqual([]);

    // No password here expires, so no user matches any operator.
    const expiring = await admin('GET', '/v3/users?password_expires_at=lt:2999-01-01T00:00:00Z');
    expect(expiring.status).toBe(200);
    expect(expiring.body.users).toEqual([]);
    expect(
      (await admin('GET', '/v3/users?password_expires_at=xx:2999-01-01T00:00:00Z')).status,
    ).toBe(400);
    expect((await admin('GET', '/v3/users?password_expires_at=lt:tomorrow')).status).toBe(400);
    expect((await admin('GET', '/v3/users?enabled=maybe')).status).toBe(400);
    expect((await admin('HEAD', '/v3/users')).status).toBe(200);
  });

  it('cuts lists at list_limit and flags them truncated', async () => {
    const limited = await startIdentity({ settings: { list_limit: 1 } });
    try {
      await createUser(limited, { name: uname() });
      const list = await limited.request('GET', '/v3/users', { token: limited.adminToken });
      expect(list.body.users).toHaveLength(1);
      expect(list.body.truncated).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('revokes the tokens of a user who is disabled, and unlocks on re-enable', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password });
    const { token } = await h.passwordToken({ id: u.id, password });
    const check = () =>
      h.request('GET', '/v3/auth/tokens', {
        token: h.adminToken,
        headers: { 'x-subject-token': token },
      });
    expect((await check()).status).toBe(200);
    expect((await admin('PATCH', `/v3/users/${u.id}`, { user: { enabled: false } })).status).toBe(
      200,
    );
    expect((await check()).status).toBe(404);
    expect((await h.passwordToken({ id: u.id, password })).reply.status).toBe(401);

    await h.env.db
      .updateTable('identity_user')
      .set({ failed_auth_count: 9 })
      .where('id', '=', u.id)
      .execute();
    expect((await admin('PATCH', `/v3/users/${u.id}`, { user: { enabled: true } })).status).toBe(
      200,
    );
    const row = await h.env.db
      .selectFrom('identity_user')
      .select('failed_auth_count')
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(Number(row.failed_auth_count)).toBe(0);
    expect((await check()).status).toBe(404);
    await sleep(2);
    expect((await h.passwordToken({ id: u.id, password })).reply.status).toBe(201);
  });

  it('revokes tokens when an admin resets the password', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password });
    const { token } = await h.passwordToken({ id: u.id, password });
    const reset = pw();
    expect((await admin('PATCH', `/v3/users/${u.id}`, { user: { password: reset } })).status).toBe(
      200,
    );
    const check = await h.request('GET', '/v3/auth/tokens', {
      token: h.adminToken,
      headers: { 'x-subject-token': token },
    });
    expect(check.status).toBe(404);
    await sleep(2);
    expect((await h.passwordToken({ id: u.id, password: reset })).reply.status).toBe(201);
    expect((await h.passwordToken({ id: u.id, password })).reply.status).toBe(401);
  });

  it('deletes a user with their assignments, memberships, credentials, trusts and tokens', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password });
    const projectId = await seedProject(h);
    await grant(h, { type: 'UserProject', actorId: u.id, targetId: projectId });
    const group = await admin('POST', '/v3/groups', { group: { name: uname('group') } });
    await admin('PUT', `/v3/groups/${group.body.group.id}/users/${u.id}`);
    const db = h.env.db;
    await db
      .insertInto('identity_credential')
      .values({
        id: newId(),
        user_id: u.id,
        project_id: null,
        type: 'ec2',
        encrypted_blob: 'x',
        key_hash: 'k',
        extra: '{}',
      })
      .execute();
    for (const [trustor, trustee] of [
      [u.id, h.adminUserId],
      [h.adminUserId, u.id],
    ] as const) {
      await db
        .insertInto('identity_trust')
        .values({
          id: newId(),
          trustor_user_id: trustor,
          trustee_user_id: trustee,
          project_id: projectId,
          impersonation: 0,
          expires_at: null,
          remaining_uses: null,
          deleted_at: null,
          redelegated_trust_id: null,
          redelegation_count: null,
          extra: '{}',
        })
        .execute();
    }
    const { token } = await h.passwordToken({ id: u.id, password });

    const del = await admin('DELETE', `/v3/users/${u.id}`);
    expect(del.status).toBe(204);
    expect((await admin('GET', `/v3/users/${u.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/v3/users/${u.id}`)).status).toBe(404);
    const left = async (
      table:
        | 'identity_assignment'
        | 'identity_group_membership'
        | 'identity_credential'
        | 'identity_password',
    ) => {
      const col = table === 'identity_assignment' ? 'actor_id' : 'user_id';
      return (await db.selectFrom(table).selectAll().where(col, '=', u.id).execute()).length;
    };
    expect(await left('identity_assignment')).toBe(0);
    expect(await left('identity_group_membership')).toBe(0);
    expect(await left('identity_credential')).toBe(0);
    expect(await left('identity_password')).toBe(0);
    const trusts = await db
      .selectFrom('identity_trust')
      .selectAll()
      .where((eb) => eb.or([eb('trustor_user_id', '=', u.id), eb('trustee_user_id', '=', u.id)]))
      .execute();
    // Soft-deleted, as Keystone keeps them: none is usable any more.
    expect(trusts.length).toBe(2);
    expect(trusts.every((t) => t.deleted_at !== null)).toBe(true);
    const check = await h.request('GET', '/v3/auth/tokens', {
      token: h.adminToken,
      headers: { 'x-subject-token': token },
    });
    expect(check.status).toBe(404);
  });

  it('lists the projects a user can work on: direct, through groups and inherited', async () => {
    const u = await createUser(h, { name: uname() });
    const direct = await seedProject(h, { name: uname('direct') });
    const viaGroup = await seedProject(h);
    const domainId = await seedDomain(h);
    const inDomain = await seedProject(h, { domainId });
    const parent = await seedProject(h);
    const child = await seedProject(h, { parentId: parent });
    const grandchild = await seedProject(h, { parentId: child });
    const unrelated = await seedProject(h);
    const group = (await admin('POST', '/v3/groups', { group: { name: uname('g') } })).body.group;
    await admin('PUT', `/v3/groups/${group.id}/users/${u.id}`);
    await grant(h, { type: 'UserProject', actorId: u.id, targetId: direct });
    await grant(h, { type: 'GroupProject', actorId: group.id, targetId: viaGroup });
    await grant(h, { type: 'UserDomain', actorId: u.id, targetId: domainId, inherited: true });
    await grant(h, { type: 'UserProject', actorId: u.id, targetId: parent, inherited: true });

    const list = await admin('GET', `/v3/users/${u.id}/projects`);
    expect(list.status).toBe(200);
    const ids = list.body.projects.map((p: { id: string }) => p.id).sort();
    expect(ids).toEqual([direct, viaGroup, inDomain, child, grandchild].sort());
    expect(ids).not.toContain(unrelated);
    expect(list.body.projects.find((p: { id: string }) => p.id === direct)).toMatchObject({
      id: direct,
      domain_id: 'default',
      enabled: true,
      tags: [],
    });

    const named = await admin('GET', `/v3/users/${u.id}/projects?domain_id=${domainId}`);
    expect(named.body.projects.map((p: { id: string }) => p.id)).toEqual([inDomain]);
    expect((await admin('GET', `/v3/users/${newId()}/projects`)).status).toBe(404);
  });

  it('lists the groups a user belongs to', async () => {
    const u = await createUser(h, { name: uname() });
    const g = (await admin('POST', '/v3/groups', { group: { name: uname('g'), description: 'x' } }))
      .body.group;
    await admin('PUT', `/v3/groups/${g.id}/users/${u.id}`);
    const list = await admin('GET', `/v3/users/${u.id}/groups`);
    expect(list.status).toBe(200);
    expect(list.body.groups).toEqual([{ ...g, membership_expires_at: null }]);
    expect((await admin('GET', `/v3/users/${u.id}/groups?name=nope`)).body.groups).toEqual([]);
    expect((await admin('GET', `/v3/users/${newId()}/groups`)).status).toBe(404);
  });

  it('applies the user policies: a project member may read only themselves', async () => {
    const member = await seedMember(h);
    const as = (method: string, url: string, body?: unknown) =>
      h.request(method, url, { token: member.token, ...(body !== undefined ? { body } : {}) });
    expect((await as('GET', '/v3/users')).status).toBe(403);
    expect((await as('POST', '/v3/users', { user: { name: uname() } })).status).toBe(403);
    expect((await as('GET', `/v3/users/${member.userId}`)).status).toBe(200);
    expect((await as('GET', `/v3/users/${member.userId}/projects`)).status).toBe(200);
    expect((await as('GET', `/v3/users/${member.userId}/groups`)).status).toBe(200);
    expect((await as('GET', `/v3/users/${h.adminUserId}`)).status).toBe(403);
    expect(
      (await as('PATCH', `/v3/users/${member.userId}`, { user: { enabled: true } })).status,
    ).toBe(403);
    expect((await as('DELETE', `/v3/users/${h.adminUserId}`)).status).toBe(403);
    // A user that does not exist: 404 for the admin, 403 (nothing revealed) for the member.
    const ghost = newId();
    expect((await admin('GET', `/v3/users/${ghost}`)).status).toBe(404);
    expect((await as('GET', `/v3/users/${ghost}`)).status).toBe(403);
    expect((await h.request('GET', '/v3/users')).status).toBe(401);
  });
});

describeEachDialect('identity: user store', (suite) => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates, lists, renames, changes the password of and deletes a user', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password, email: 'e@x' });
    const g = (
      await h.request('POST', '/v3/groups', {
        token: h.adminToken,
        body: { group: { name: uname('g') } },
      })
    ).body.group;
    expect(
      (await h.request('PUT', `/v3/groups/${g.id}/users/${u.id}`, { token: h.adminToken })).status,
    ).toBe(204);
    const members = await h.request('GET', `/v3/groups/${g.id}/users`, { token: h.adminToken });
    expect(members.body.users).toEqual([u]);
    const renamed = await h.request('PATCH', `/v3/users/${u.id}`, {
      token: h.adminToken,
      body: { user: { name: `${u.name}-2`, email: null } },
    });
    expect(renamed.body.user).toMatchObject({ name: `${u.name}-2`, email: null });
    const dup = await h.request('POST', '/v3/users', {
      token: h.adminToken,
      body: { user: { name: `${u.name}-2` } },
    });
    expect(dup.status).toBe(409);
    const newPassword = pw();
    const change = await h.request('POST', `/v3/users/${u.id}/password`, {
      body: { user: { original_password: password, password: newPassword } },
    });
    expect(change.status).toBe(204);
    await sleep(2);
    expect((await h.passwordToken({ id: u.id, password: newPassword })).reply.status).toBe(201);
    expect((await h.request('DELETE', `/v3/users/${u.id}`, { token: h.adminToken })).status).toBe(
      204,
    );
    const after = await h.request('GET', `/v3/groups/${g.id}/users`, { token: h.adminToken });
    expect(after.body.users).toEqual([]);
  });
});
