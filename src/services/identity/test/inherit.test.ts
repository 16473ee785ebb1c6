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

type Assignment = {
  role: { id: string };
  scope: Record<string, { id: string } | string>;
  links: Record<string, string>;
};

describe('identity: OS-INHERIT', () => {
  let h: IdentityHarness;
  let domain: string;
  let parent: string;
  let leaf: string;
  let user: string;
  let group: string;
  beforeAll(async () => {
    h = await startIdentity();
    domain = await seedDomain(h);
    parent = await seedProject(h, { domainId: domain });
    leaf = await seedProject(h, { domainId: domain, parentId: parent });
    user = await seedUser(h, { domainId: domain });
    group = await seedGroup(h, { domainId: domain });
  });
  afterAll(async () => h.close());
  const admin = (method: string, url: string) => h.request(method, url, { token: h.adminToken });
  const effective = async (projectId: string, u = user): Promise<Assignment[]> => {
    const res = await admin(
      'GET',
      `/v3/role_assignments?scope.project.id=${projectId}&user.id=${u}&effective`,
    );
    expect(res.status).toBe(200);
    return res.body.role_assignments;
  };
  const tokenRoles = async (u: string, scope: Record<string, unknown>) => {
    const tok = await userToken(h, u, scope);
    return tok.status === 201
      ? (tok.body as { token: { roles: Array<{ id: string }> } }).token.roles.map((r) => r.id)
      : [];
  };

  it('assigns, lists, checks and revokes inherited roles on a domain (user and group)', async () => {
    for (const actor of [`users/${user}`, `groups/${group}`]) {
      const role = await seedRole(h);
      const one = `/v3/OS-INHERIT/domains/${domain}/${actor}/roles/${role}/inherited_to_projects`;
      expect((await admin('PUT', one)).status).toBe(204);
      const list = await admin(
        'GET',
        `/v3/OS-INHERIT/domains/${domain}/${actor}/roles/inherited_to_projects`,
      );
      expect(list.status).toBe(200);
      expect(list.body.roles.map((r: { id: string }) => r.id)).toEqual([role]);
      expect((await admin('HEAD', one)).status).toBe(204);
      // Inherited grants are not grants on the domain itself.
      expect((await admin('GET', `/v3/domains/${domain}/${actor}/roles`)).body.roles).toEqual([]);
      expect((await admin('HEAD', `/v3/domains/${domain}/${actor}/roles/${role}`)).status).toBe(
        404,
      );
      expect((await admin('DELETE', one)).status).toBe(204);
      expect((await admin('HEAD', one)).status).toBe(404);
    }
  });

  it('assigns, checks and revokes inherited roles on a project (user and group)', async () => {
    for (const actor of [`users/${user}`, `groups/${group}`]) {
      const role = await seedRole(h);
      const one = `/v3/OS-INHERIT/projects/${parent}/${actor}/roles/${role}/inherited_to_projects`;
      expect((await admin('PUT', one)).status).toBe(204);
      expect((await admin('HEAD', one)).status).toBe(204);
      expect((await admin('HEAD', `/v3/projects/${parent}/${actor}/roles/${role}`)).status).toBe(
        404,
      );
      expect((await admin('DELETE', one)).status).toBe(204);
      expect((await admin('DELETE', one)).status).toBe(404);
    }
  });

  it('applies a domain’s inherited role to every project below it, not to the domain', async () => {
    const role = await seedRole(h);
    const one = `/v3/OS-INHERIT/domains/${domain}/users/${user}/roles/${role}/inherited_to_projects`;
    await admin('PUT', one);
    for (const p of [parent, leaf]) {
      const list = await effective(p);
      expect(list.map((a) => a.role.id)).toEqual([role]);
      expect(list[0]!.scope['OS-INHERIT:inherited_to']).toBe('projects');
      expect(list[0]!.links.assignment).toBe(`http://localhost:80/v3${one.slice(3)}`);
      expect(await tokenRoles(user, { project: { id: p } })).toEqual([role]);
    }
    const onDomain = await admin(
      'GET',
      `/v3/role_assignments?scope.domain.id=${domain}&user.id=${user}&effective`,
    );
    expect(onDomain.body.role_assignments).toEqual([]);
    expect(await tokenRoles(user, { domain: { id: domain } })).toEqual([]);

    await admin('DELETE', one);
    expect(await effective(parent)).toEqual([]);
    expect(await effective(leaf)).toEqual([]);
  });

  it('applies a project’s inherited role to its subtree only', async () => {
    const role = await seedRole(h);
    const one = `/v3/OS-INHERIT/projects/${parent}/users/${user}/roles/${role}/inherited_to_projects`;
    await admin('PUT', one);
    expect(await effective(parent)).toEqual([]);
    const onLeaf = await effective(leaf);
    expect(onLeaf.map((a) => a.role.id)).toEqual([role]);
    expect(onLeaf[0]!.scope.project).toEqual({ id: leaf });
    expect(await tokenRoles(user, { project: { id: leaf } })).toEqual([role]);
    await admin('DELETE', one);
    expect(await effective(leaf)).toEqual([]);
  });

  it('passes a group’s inherited role to its members, with the membership link', async () => {
    const role = await seedRole(h);
    const member = await seedUser(h, { domainId: domain });
    const g = await seedGroup(h, { domainId: domain });
    await addToGroup(h, g, member);
    await admin(
      'PUT',
      `/v3/OS-INHERIT/domains/${domain}/groups/${g}/roles/${role}/inherited_to_projects`,
    );
    const list = await effective(leaf, member);
    expect(list).toHaveLength(1);
    expect(list[0]!.links).toEqual({
      assignment: `http://localhost:80/v3/OS-INHERIT/domains/${domain}/groups/${g}/roles/${role}/inherited_to_projects`,
      membership: `http://localhost:80/v3/groups/${g}/users/${member}`,
    });
    expect(await tokenRoles(member, { project: { id: leaf } })).toEqual([role]);
  });

  it('lists inherited grants as such without effective, and filters on them', async () => {
    const role = await seedRole(h);
    const u = await seedUser(h, { domainId: domain });
    await admin(
      'PUT',
      `/v3/OS-INHERIT/domains/${domain}/users/${u}/roles/${role}/inherited_to_projects`,
    );
    await admin('PUT', `/v3/domains/${domain}/users/${u}/roles/${role}`);
    const all = (await admin('GET', `/v3/role_assignments?user.id=${u}`)).body.role_assignments;
    expect(all).toHaveLength(2);
    const inherited = (
      await admin('GET', `/v3/role_assignments?user.id=${u}&scope.OS-INHERIT:inherited_to=projects`)
    ).body.role_assignments;
    expect(inherited).toEqual([
      {
        scope: { domain: { id: domain }, 'OS-INHERIT:inherited_to': 'projects' },
        user: { id: u },
        role: { id: role },
        links: {
          assignment: `http://localhost:80/v3/OS-INHERIT/domains/${domain}/users/${u}/roles/${role}/inherited_to_projects`,
        },
      },
    ]);
    const direct = (
      await admin('GET', `/v3/role_assignments?user.id=${u}&scope.OS-INHERIT:inherited_to=none`)
    ).body.role_assignments;
    expect(direct.map((a: Assignment) => a.scope['OS-INHERIT:inherited_to'])).toEqual([undefined]);
  });
});
