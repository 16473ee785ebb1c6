import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { seedDomain, seedProject, seedRole, seedUser, userToken } from './fixtures.ts';

describe('identity: roles', () => {
  let h: IdentityHarness;
  let memberToken: string;
  beforeAll(async () => {
    h = await startIdentity();
    const user = await seedUser(h, { domainId: 'default' });
    const project = await seedProject(h, { domainId: 'default' });
    const member = (await h.request('GET', '/v3/roles?name=member', { token: h.adminToken })).body
      .roles[0].id;
    await h.request('PUT', `/v3/projects/${project}/users/${user}/roles/${member}`, {
      token: h.adminToken,
    });
    memberToken = (await userToken(h, user, { project: { id: project } })).token;
  });
  afterAll(async () => h.close());

  const admin = (method: string, url: string, body?: unknown) =>
    h.request(method, url, { token: h.adminToken, body });

  it('creates, shows, updates and lists a role in Keystone’s shape', async () => {
    const created = await admin('POST', '/v3/roles', { role: { name: 'auditor' } });
    expect(created.status).toBe(201);
    const role = created.body.role;
    expect(role).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'auditor',
      domain_id: null,
      description: null,
      options: {},
      links: { self: `http://localhost:80/v3/roles/${role.id}` },
    });
    // tempest's test_list_roles compares the created dict with the listed one.
    const list = await admin('GET', '/v3/roles');
    expect(list.body.roles).toContainEqual(role);
    expect(list.body.links.self).toBe('http://localhost:80/v3/roles');

    const updated = await admin('PATCH', `/v3/roles/${role.id}`, {
      role: { name: 'auditor2', description: 'reads', team: 'ops' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.role).toMatchObject({
      id: role.id,
      name: 'auditor2',
      description: 'reads',
      team: 'ops',
    });
    const shown = await admin('GET', `/v3/roles/${role.id}`);
    expect(shown.body.role).toEqual(updated.body.role);

    const byName = await admin('GET', '/v3/roles?name=auditor2');
    expect(byName.body.roles.map((r: { id: string }) => r.id)).toEqual([role.id]);
    const head = await admin('HEAD', '/v3/roles');
    expect(head.status).toBe(200);
  });

  it('keeps names unique per domain', async () => {
    await seedRole(h, { name: 'dup' });
    const again = await admin('POST', '/v3/roles', { role: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe(409);
    const domain = await seedDomain(h);
    const inDomain = await admin('POST', '/v3/roles', { role: { name: 'dup', domain_id: domain } });
    expect(inDomain.status).toBe(201);
    expect(inDomain.body.role.domain_id).toBe(domain);
    const renamed = await seedRole(h, { name: 'other' });
    expect((await admin('PATCH', `/v3/roles/${renamed}`, { role: { name: 'dup' } })).status).toBe(
      409,
    );
  });

  it('lists domain roles only when asked for their domain', async () => {
    const domain = await seedDomain(h);
    const id = await seedRole(h, { name: 'domain-only', domainId: domain });
    const global = await admin('GET', '/v3/roles');
    expect(global.body.roles.map((r: { id: string }) => r.id)).not.toContain(id);
    const mine = await admin('GET', `/v3/roles?domain_id=${domain}`);
    expect(mine.body.roles.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await admin('DELETE', `/v3/roles/${id}`)).status).toBe(204);
    expect((await admin('GET', `/v3/roles?domain_id=${domain}`)).body.roles).toEqual([]);
    const nowhere = await admin('POST', '/v3/roles', {
      role: { name: 'x', domain_id: 'no-such-domain' },
    });
    expect(nowhere.status).toBe(404);
  });

  it('answers bad input with 400', async () => {
    const cases: unknown[] = [
      {},
      { role: {} },
      { role: { name: '' } },
      { role: { name: '   ' } },
      { role: { name: 'x'.repeat(256) } },
      { role: { name: 7 } },
      { role: { name: 'ok', options: { unknown: true } } },
      { role: { name: 'ok', options: { immutable: 'yes' } } },
      { role: { name: 'ok', description: 5 } },
    ];
    for (const body of cases) {
      const res = await admin('POST', '/v3/roles', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(400);
    }
    const id = await seedRole(h);
    expect((await admin('PATCH', `/v3/roles/${id}`, { role: {} })).status).toBe(400);
    const domain = await seedDomain(h);
    const moved = await admin('PATCH', `/v3/roles/${id}`, { role: { domain_id: domain } });
    expect(moved.status).toBe(400);
    expect(moved.body.error.message).toContain('domain_id');
  });

  it('protects immutable roles until the option is cleared', async () => {
    const created = await admin('POST', '/v3/roles', {
      role: { name: 'locked', options: { immutable: true } },
    });
    expect(created.body.role.options).toEqual({ immutable: true });
    const id = created.body.role.id;
    expect((await admin('PATCH', `/v3/roles/${id}`, { role: { name: 'renamed' } })).status).toBe(
      403,
    );
    expect((await admin('DELETE', `/v3/roles/${id}`)).status).toBe(403);
    const unlocked = await admin('PATCH', `/v3/roles/${id}`, {
      role: { options: { immutable: false } },
    });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.role.options).toEqual({ immutable: false });
    expect((await admin('DELETE', `/v3/roles/${id}`)).status).toBe(204);
  });

  it('answers unknown roles with 404 for an admin and 403 for a member', async () => {
    expect((await admin('GET', '/v3/roles/nope')).status).toBe(404);
    expect((await admin('PATCH', '/v3/roles/nope', { role: { name: 'x' } })).status).toBe(404);
    expect((await admin('DELETE', '/v3/roles/nope')).status).toBe(404);
    expect((await h.request('GET', '/v3/roles/nope', { token: memberToken })).status).toBe(403);
  });

  it('refuses role management to a member', async () => {
    const create = await h.request('POST', '/v3/roles', {
      token: memberToken,
      body: { role: { name: 'mine' } },
    });
    expect(create.status).toBe(403);
    const id = await seedRole(h);
    expect(
      (
        await h.request('PATCH', `/v3/roles/${id}`, {
          token: memberToken,
          body: { role: { name: 'm' } },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('DELETE', `/v3/roles/${id}`, { token: memberToken })).status).toBe(403);
    expect((await h.request('GET', '/v3/roles', { token: memberToken })).status).toBe(403);
  });

  it('removes a deleted role’s assignments, implications and delegation links', async () => {
    const prior = await seedRole(h);
    const id = await seedRole(h);
    const user = await seedUser(h, { domainId: 'default' });
    const project = await seedProject(h, { domainId: 'default' });
    expect((await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${id}`)).status).toBe(
      204,
    );
    expect((await admin('PUT', `/v3/roles/${prior}/implies/${id}`)).status).toBe(201);
    const db = h.env.db;
    await db
      .insertInto('identity_application_credential')
      .values({
        id: 'ac1',
        name: 'ac',
        secret_hash: 'x',
        description: null,
        user_id: user,
        project_id: project,
        system: null,
        expires_at: null,
        unrestricted: 0,
        created_at: '2024-01-01T00:00:00.000000Z',
      })
      .execute();
    await db
      .insertInto('identity_application_credential_role')
      .values({ application_credential_id: 'ac1', role_id: id })
      .execute();

    expect((await admin('DELETE', `/v3/roles/${id}`)).status).toBe(204);
    expect((await admin('GET', `/v3/roles/${id}`)).status).toBe(404);
    const left = await admin('GET', `/v3/role_assignments?user.id=${user}`);
    expect(left.body.role_assignments).toEqual([]);
    expect((await admin('GET', `/v3/roles/${prior}/implies`)).body.role_inference.implies).toEqual(
      [],
    );
    const creds = await db
      .selectFrom('identity_application_credential')
      .select('id')
      .where('id', '=', 'ac1')
      .execute();
    expect(creds).toEqual([]);
    const links = await db
      .selectFrom('identity_application_credential_role')
      .selectAll()
      .where('role_id', '=', id)
      .execute();
    expect(links).toEqual([]);
  });
});

describe('identity: implied roles', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());
  const admin = (method: string, url: string) => h.request(method, url, { token: h.adminToken });

  it('creates, checks, shows, lists and deletes a rule', async () => {
    const prior = await seedRole(h, { name: 'prior' });
    const implied = await seedRole(h, { name: 'implied' });
    const put = await admin('PUT', `/v3/roles/${prior}/implies/${implied}`);
    expect(put.status).toBe(201);
    const base = 'http://localhost:80/v3';
    const expected = {
      role_inference: {
        prior_role: { id: prior, name: 'prior', links: { self: `${base}/roles/${prior}` } },
        implies: { id: implied, name: 'implied', links: { self: `${base}/roles/${implied}` } },
      },
      links: { self: `${base}/roles/${prior}/implies/${implied}` },
    };
    expect(put.body).toEqual(expected);
    expect((await admin('GET', `/v3/roles/${prior}/implies/${implied}`)).body).toEqual(expected);
    const head = await admin('HEAD', `/v3/roles/${prior}/implies/${implied}`);
    expect(head.status).toBe(204);
    expect((await admin('PUT', `/v3/roles/${prior}/implies/${implied}`)).status).toBe(409);

    const list = await admin('GET', `/v3/roles/${prior}/implies`);
    expect(list.body).toEqual({
      role_inference: {
        prior_role: expected.role_inference.prior_role,
        implies: [expected.role_inference.implies],
      },
      links: { self: `${base}/roles/${prior}/implies` },
    });
    const all = await admin('GET', '/v3/role_inferences');
    expect(all.body.role_inferences).toContainEqual({
      prior_role: expected.role_inference.prior_role,
      implies: [expected.role_inference.implies],
    });
    // Bootstrap's admin > member > reader chain is listed too.
    expect(all.body.role_inferences.length).toBeGreaterThanOrEqual(3);

    expect((await admin('DELETE', `/v3/roles/${prior}/implies/${implied}`)).status).toBe(204);
    const gone = await admin('GET', `/v3/roles/${prior}/implies/${implied}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(`${prior} does not imply ${implied}.`);
    expect((await admin('HEAD', `/v3/roles/${prior}/implies/${implied}`)).status).toBe(404);
    expect((await admin('DELETE', `/v3/roles/${prior}/implies/${implied}`)).status).toBe(404);
  });

  it('lists only direct implications of a role (tempest test_roles_hierarchy)', async () => {
    const [r0, r1, r2, r3] = [
      await seedRole(h),
      await seedRole(h),
      await seedRole(h),
      await seedRole(h),
    ];
    for (const [p, i] of [
      [r0, r1],
      [r0, r2],
      [r2, r3],
    ])
      expect((await admin('PUT', `/v3/roles/${p}/implies/${i}`)).status).toBe(201);
    const of2 = await admin('GET', `/v3/roles/${r2}/implies`);
    expect(of2.body.role_inference.implies.map((r: { id: string }) => r.id)).toEqual([r3]);
    const of0 = await admin('GET', `/v3/roles/${r0}/implies`);
    expect(of0.body.role_inference.implies.map((r: { id: string }) => r.id).sort()).toEqual(
      [r1, r2].sort(),
    );
  });

  it('enforces Keystone’s rules on what may be implied', async () => {
    const adminRole = (await admin('GET', '/v3/roles?name=admin')).body.roles[0].id;
    const role = await seedRole(h);
    expect((await admin('PUT', `/v3/roles/${role}/implies/${adminRole}`)).status).toBe(403);

    const d1 = await seedDomain(h);
    const d2 = await seedDomain(h);
    const dr1 = await seedRole(h, { domainId: d1 });
    const dr2 = await seedRole(h, { domainId: d1 });
    const dr3 = await seedRole(h, { domainId: d2 });
    expect((await admin('PUT', `/v3/roles/${dr1}/implies/${dr2}`)).status).toBe(201);
    expect((await admin('PUT', `/v3/roles/${dr1}/implies/${dr3}`)).status).toBe(201);
    expect((await admin('PUT', `/v3/roles/${dr1}/implies/${role}`)).status).toBe(201);
    const globalToDomain = await admin('PUT', `/v3/roles/${role}/implies/${dr1}`);
    expect(globalToDomain.status).toBe(403);
    expect(globalToDomain.body.error.code).toBe(403);

    expect((await admin('PUT', `/v3/roles/nope/implies/${role}`)).status).toBe(404);
    expect((await admin('PUT', `/v3/roles/${role}/implies/nope`)).status).toBe(404);
    expect((await admin('GET', '/v3/roles/nope/implies')).status).toBe(404);
  });

  it('expands cycles without looping', async () => {
    const a = await seedRole(h);
    const b = await seedRole(h);
    expect((await admin('PUT', `/v3/roles/${a}/implies/${b}`)).status).toBe(201);
    expect((await admin('PUT', `/v3/roles/${b}/implies/${a}`)).status).toBe(201);
    const user = await seedUser(h, { domainId: 'default' });
    const project = await seedProject(h, { domainId: 'default' });
    await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${a}`);
    const tok = await userToken(h, user, { project: { id: project } });
    expect(tok.status).toBe(201);
    expect(
      (tok.body as { token: { roles: Array<{ id: string }> } }).token.roles.map((r) => r.id).sort(),
    ).toEqual([a, b].sort());
  });
});
