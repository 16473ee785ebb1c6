import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import {
  addToGroup,
  seedDomain,
  seedGroup,
  seedProject,
  seedRole,
  seedUser,
  userToken,
} from './fixtures.ts';

describe('identity: grants', () => {
  let h: IdentityHarness;
  let domain: string;
  let project: string;
  let user: string;
  let group: string;
  let role: string;
  beforeAll(async () => {
    h = await startIdentity();
    domain = await seedDomain(h);
    project = await seedProject(h, { domainId: domain });
    user = await seedUser(h, { domainId: domain });
    group = await seedGroup(h, { domainId: domain });
    role = await seedRole(h);
  });
  afterAll(async () => h.close());
  const admin = (method: string, url: string) => h.request(method, url, { token: h.adminToken });

  const families = () => [
    {
      name: 'user on project',
      base: `/v3/projects/${project}/users/${user}/roles`,
      scope: 'project',
    },
    {
      name: 'group on project',
      base: `/v3/projects/${project}/groups/${group}/roles`,
      scope: 'project',
    },
    { name: 'user on domain', base: `/v3/domains/${domain}/users/${user}/roles`, scope: 'domain' },
    {
      name: 'group on domain',
      base: `/v3/domains/${domain}/groups/${group}/roles`,
      scope: 'domain',
    },
    { name: 'user on system', base: `/v3/system/users/${user}/roles`, scope: 'system' },
    { name: 'group on system', base: `/v3/system/groups/${group}/roles`, scope: 'system' },
  ];

  it('grants, lists, checks and revokes in every family', async () => {
    for (const fam of families()) {
      const one = `${fam.base}/${role}`;
      expect((await admin('PUT', one)).status, fam.name).toBe(204);
      // Granting again is harmless.
      expect((await admin('PUT', one)).status, fam.name).toBe(204);
      const list = await admin('GET', fam.base);
      expect(list.status, fam.name).toBe(200);
      expect(
        list.body.roles.map((r: { id: string }) => r.id),
        fam.name,
      ).toEqual([role]);
      expect(list.body.roles[0].links.self).toBe(`http://localhost:80/v3/roles/${role}`);
      expect(list.body.links.self).toBe(`http://localhost:80${fam.base}`);
      expect((await admin('HEAD', one)).status, fam.name).toBe(204);
      expect((await admin('GET', one)).status, fam.name).toBe(204);
      expect((await admin('DELETE', one)).status, fam.name).toBe(204);
      const gone = await admin('HEAD', one);
      expect(gone.status, fam.name).toBe(404);
      const again = await admin('DELETE', one);
      expect(again.status, fam.name).toBe(404);
      expect(again.body.error.message).toContain(
        `Could not find role assignment with role: ${role}`,
      );
      expect((await admin('GET', fam.base)).body.roles, fam.name).toEqual([]);
    }
  });

  it('answers unknown users, groups, projects, domains and roles with 404 naming them', async () => {
    const cases: Array<[string, string]> = [
      [`/v3/projects/${project}/users/nobody/roles/${role}`, 'Could not find user: nobody.'],
      [`/v3/projects/${project}/groups/nogroup/roles/${role}`, 'Could not find group: nogroup.'],
      [`/v3/projects/noproject/users/${user}/roles/${role}`, 'Could not find project: noproject.'],
      [`/v3/projects/${domain}/users/${user}/roles/${role}`, `Could not find project: ${domain}.`],
      [`/v3/domains/nodomain/users/${user}/roles/${role}`, 'Could not find domain: nodomain.'],
      [`/v3/domains/${project}/users/${user}/roles/${role}`, `Could not find domain: ${project}.`],
      [`/v3/projects/${project}/users/${user}/roles/norole`, 'Could not find role: norole.'],
      [`/v3/system/users/nobody/roles/${role}`, 'Could not find user: nobody.'],
      [`/v3/system/groups/${group}/roles/norole`, 'Could not find role: norole.'],
      [
        `/v3/OS-INHERIT/domains/nodomain/users/${user}/roles/${role}/inherited_to_projects`,
        'Could not find domain: nodomain.',
      ],
    ];
    for (const [url, message] of cases) {
      const res = await admin('PUT', url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.message, url).toBe(message);
    }
    expect((await admin('GET', `/v3/projects/${project}/users/nobody/roles`)).status).toBe(404);
    expect((await admin('GET', `/v3/system/groups/nogroup/roles`)).status).toBe(404);
  });

  it('assigns a domain-specific role only inside its domain, and never on the system', async () => {
    const otherDomain = await seedDomain(h);
    const otherProject = await seedProject(h, { domainId: otherDomain });
    const domainRole = await seedRole(h, { domainId: domain });
    expect(
      (await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${domainRole}`)).status,
    ).toBe(204);
    const mismatch = await admin(
      'PUT',
      `/v3/projects/${otherProject}/users/${user}/roles/${domainRole}`,
    );
    expect(mismatch.status).toBe(403);
    expect(mismatch.body.error.message).toBe(
      `Project ${otherProject} must be in the same domain as the role ${domainRole} being assigned.`,
    );
    expect((await admin('PUT', `/v3/system/users/${user}/roles/${domainRole}`)).status).toBe(400);
    await admin('DELETE', `/v3/projects/${project}/users/${user}/roles/${domainRole}`);
  });

  it('lets an admin clean up the grants of a user that is gone', async () => {
    const ghost = await seedUser(h, { domainId: domain });
    await admin('PUT', `/v3/projects/${project}/users/${ghost}/roles/${role}`);
    await h.env.db.deleteFrom('identity_user').where('id', '=', ghost).execute();
    expect(
      (await admin('PUT', `/v3/projects/${project}/users/${ghost}/roles/${role}`)).status,
    ).toBe(404);
    expect(
      (await admin('DELETE', `/v3/projects/${project}/users/${ghost}/roles/${role}`)).status,
    ).toBe(204);
  });

  it('refuses grant management to a member', async () => {
    const member = await seedUser(h, { domainId: domain });
    const memberRole = (await admin('GET', '/v3/roles?name=member')).body.roles[0].id;
    await admin('PUT', `/v3/projects/${project}/users/${member}/roles/${memberRole}`);
    const { token } = await userToken(h, member, { project: { id: project } });
    const put = await h.request('PUT', `/v3/projects/${project}/users/${member}/roles/${role}`, {
      token,
    });
    expect(put.status).toBe(403);
    expect(
      (await h.request('PUT', `/v3/system/users/${member}/roles/${role}`, { token })).status,
    ).toBe(403);
    expect(
      (
        await h.request('DELETE', `/v3/projects/${project}/users/${member}/roles/${memberRole}`, {
          token,
        })
      ).status,
    ).toBe(403);
    expect(
      (await h.request('GET', `/v3/projects/${project}/users/${member}/roles`, { token })).status,
    ).toBe(403);
  });

  it('puts a group’s role in its members’ tokens (tempest group-on-project)', async () => {
    const g = await seedGroup(h, { domainId: domain });
    const u = await seedUser(h, { domainId: domain });
    const r = await seedRole(h);
    await admin('PUT', `/v3/projects/${project}/groups/${g}/roles/${r}`);
    await addToGroup(h, g, u);
    const tok = await userToken(h, u, { project: { id: project } });
    expect(tok.status).toBe(201);
    expect(
      (tok.body as { token: { roles: Array<{ id: string }> } }).token.roles.map((x) => x.id),
    ).toEqual([r]);
  });

  it('invalidates a project token at once when its only grant is removed', async () => {
    const u = await seedUser(h, { domainId: domain });
    const r = await seedRole(h);
    await admin('PUT', `/v3/projects/${project}/users/${u}/roles/${r}`);
    const { token, status } = await userToken(h, u, { project: { id: project } });
    expect(status).toBe(201);
    const validate = () =>
      h.request('GET', '/v3/auth/tokens', {
        token: h.adminToken,
        headers: { 'x-subject-token': token },
      });
    expect((await validate()).status).toBe(200);
    expect((await admin('DELETE', `/v3/projects/${project}/users/${u}/roles/${r}`)).status).toBe(
      204,
    );
    expect((await validate()).status).toBe(404);
    expect((await h.request('GET', '/v3/auth/catalog', { token })).status).toBe(401);
  });

  it('gives a system token the roles granted on the system, implied ones included', async () => {
    const u = await seedUser(h, { domainId: domain });
    const adminRole = (await admin('GET', '/v3/roles?name=admin')).body.roles[0].id;
    await admin('PUT', `/v3/system/users/${u}/roles/${adminRole}`);
    const tok = await userToken(h, u, { system: { all: true } });
    expect(tok.status).toBe(201);
    const names = (tok.body as { token: { roles: Array<{ name: string }> } }).token.roles
      .map((x) => x.name)
      .sort();
    expect(names).toEqual(['admin', 'member', 'reader']);
  });
});
