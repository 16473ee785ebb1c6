import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
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
  role: { id: string; name?: string; domain?: { id: string; name: string } };
  user?: { id: string; name?: string; domain?: { id: string; name: string } };
  group?: { id: string };
  scope: Record<string, unknown>;
  links: Record<string, string>;
};

const BASE = 'http://localhost:80/v3';

describe('identity: role assignments', () => {
  let h: IdentityHarness;
  let domain: string;
  let project: string;
  beforeAll(async () => {
    h = await startIdentity();
    domain = await seedDomain(h, { name: 'assign-domain' });
    project = await seedProject(h, { domainId: domain, name: 'assign-project' });
  });
  afterAll(async () => h.close());
  const admin = (method: string, url: string) => h.request(method, url, { token: h.adminToken });
  const list = async (query: string): Promise<Assignment[]> => {
    const res = await admin('GET', `/v3/role_assignments?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.role_assignments;
  };

  it('lists a direct grant with its assignment link, and names on request (osc --names)', async () => {
    const user = await seedUser(h, { domainId: domain, name: 'named-user' });
    const role = await seedRole(h, { name: 'named-role' });
    await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${role}`);
    const plain = await list(`user.id=${user}&scope.project.id=${project}`);
    expect(plain).toEqual([
      {
        scope: { project: { id: project } },
        user: { id: user },
        role: { id: role },
        links: { assignment: `${BASE}/projects/${project}/users/${user}/roles/${role}` },
      },
    ]);
    const named = await list(`user.id=${user}&scope.project.id=${project}&include_names=True`);
    expect(named[0]).toMatchObject({
      scope: {
        project: {
          id: project,
          name: 'assign-project',
          domain: { id: domain, name: 'assign-domain' },
        },
      },
      user: { id: user, name: 'named-user', domain: { id: domain, name: 'assign-domain' } },
      role: { id: role, name: 'named-role' },
    });
    const res = await admin('GET', `/v3/role_assignments?user.id=${user}`);
    expect(res.body.links.self).toBe(`${BASE}/role_assignments?user.id=${user}`);
    expect((await admin('HEAD', `/v3/role_assignments?user.id=${user}`)).status).toBe(200);
    expect((await list(`role.id=${role}`)).map((a) => a.user?.id)).toEqual([user]);
  });

  it('shows a domain role with its domain when names are included', async () => {
    const user = await seedUser(h, { domainId: domain });
    const domainRole = await seedRole(h, { name: 'dr', domainId: domain });
    await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${domainRole}`);
    const named = await list(`user.id=${user}&include_names`);
    expect(named[0]!.role).toEqual({
      id: domainRole,
      name: 'dr',
      domain: { id: domain, name: 'assign-domain' },
    });
  });

  it('expands implied roles in effective mode (tempest test_assignments_for_implied_roles)', async () => {
    const user = await seedUser(h, { domainId: domain });
    const prior = await seedRole(h);
    const implied = await seedRole(h);
    await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${prior}`);
    await admin('PUT', `/v3/roles/${prior}/implies/${implied}`);
    const q = `scope.project.id=${project}&user.id=${user}&effective`;
    const both = await list(q);
    expect(both.map((a) => a.role.id).sort()).toEqual([prior, implied].sort());
    const derived = both.find((a) => a.role.id === implied)!;
    expect(derived.links).toEqual({
      assignment: `${BASE}/projects/${project}/users/${user}/roles/${prior}`,
      prior_role: `${BASE}/prior_role/${implied}/implies/${prior}`,
    });
    // Without effective, only the stored grant.
    expect(
      (await list(`scope.project.id=${project}&user.id=${user}`)).map((a) => a.role.id),
    ).toEqual([prior]);
    await admin('DELETE', `/v3/roles/${prior}/implies/${implied}`);
    expect((await list(q)).map((a) => a.role.id)).toEqual([prior]);
  });

  it('keeps domain-specific roles out of effective results but keeps what they imply', async () => {
    const user = await seedUser(h, { domainId: domain });
    const domainRole = await seedRole(h, { domainId: domain });
    await admin('PUT', `/v3/projects/${project}/users/${user}/roles/${domainRole}`);
    const q = `scope.project.id=${project}&user.id=${user}&effective`;
    expect(await list(q)).toEqual([]);
    const global = await seedRole(h);
    await admin('PUT', `/v3/roles/${domainRole}/implies/${global}`);
    expect((await list(q)).map((a) => a.role.id)).toEqual([global]);
    const tok = await userToken(h, user, { project: { id: project } });
    expect(
      (tok.body as { token: { roles: Array<{ id: string }> } }).token.roles.map((r) => r.id),
    ).toEqual([global]);
  });

  it('expands group grants to members with a membership link', async () => {
    const g = await seedGroup(h, { domainId: domain });
    const u1 = await seedUser(h, { domainId: domain });
    const u2 = await seedUser(h, { domainId: domain });
    await addToGroup(h, g, u1);
    await addToGroup(h, g, u2);
    const role = await seedRole(h);
    await admin('PUT', `/v3/domains/${domain}/groups/${g}/roles/${role}`);
    const direct = await list(`group.id=${g}`);
    expect(direct).toEqual([
      {
        scope: { domain: { id: domain } },
        group: { id: g },
        role: { id: role },
        links: { assignment: `${BASE}/domains/${domain}/groups/${g}/roles/${role}` },
      },
    ]);
    const eff = await list(`scope.domain.id=${domain}&role.id=${role}&effective`);
    expect(eff.map((a) => a.user?.id).sort()).toEqual([u1, u2].sort());
    expect(eff.find((a) => a.user?.id === u1)!.links).toEqual({
      assignment: `${BASE}/domains/${domain}/groups/${g}/roles/${role}`,
      membership: `${BASE}/groups/${g}/users/${u1}`,
    });
  });

  it('lists system assignments', async () => {
    const sys = await list('scope.system=all');
    expect(sys).toContainEqual({
      scope: { system: { all: true } },
      user: { id: h.adminUserId },
      role: { id: expect.any(String) },
      links: {
        assignment: expect.stringMatching(
          new RegExp(`^${BASE}/system/users/${h.adminUserId}/roles/`),
        ),
      },
    });
    expect(sys.every((a) => 'system' in a.scope)).toBe(true);
    const effective = await list(`scope.system=all&user.id=${h.adminUserId}&effective`);
    expect(effective.map((a) => a.role.id).length).toBe(3);
  });

  it('includes the subtree of a project when asked', async () => {
    const parent = await seedProject(h, { domainId: domain });
    const child = await seedProject(h, { domainId: domain, parentId: parent });
    const grandchild = await seedProject(h, { domainId: domain, parentId: child });
    const user = await seedUser(h, { domainId: domain });
    const role = await seedRole(h);
    await admin('PUT', `/v3/projects/${grandchild}/users/${user}/roles/${role}`);
    expect(await list(`scope.project.id=${parent}`)).toEqual([]);
    const tree = await list(`scope.project.id=${parent}&include_subtree=True`);
    expect(tree.map((a) => (a.scope.project as { id: string }).id)).toEqual([grandchild]);
    // An inherited grant inside the tree reaches only the projects below it.
    const inheritedRole = await seedRole(h);
    await admin(
      'PUT',
      `/v3/OS-INHERIT/projects/${child}/users/${user}/roles/${inheritedRole}/inherited_to_projects`,
    );
    const eff = await list(
      `scope.project.id=${parent}&include_subtree&effective&role.id=${inheritedRole}`,
    );
    expect(eff.map((a) => (a.scope.project as { id: string }).id)).toEqual([grandchild]);
    const missing = await admin('GET', '/v3/role_assignments?include_subtree=true');
    expect(missing.status).toBe(400);
    expect(
      (await admin('GET', '/v3/role_assignments?include_subtree=1&scope.project.id=nope')).status,
    ).toBe(404);
  });

  it('rejects meaningless filter combinations with 400', async () => {
    const cases: Array<[string, string]> = [
      ['scope.project.id=a&scope.domain.id=b', 'Specify a domain or project, not both'],
      ['scope.system=all&scope.domain.id=b', 'Specify system or domain, not both'],
      ['scope.system=all&scope.project.id=a', 'Specify system or project, not both'],
      ['user.id=a&group.id=b', 'Specify a user or group, not both'],
      [
        'group.id=b&effective',
        'Combining effective and group filter will always result in an empty list.',
      ],
      [
        'scope.domain.id=b&scope.OS-INHERIT:inherited_to=projects&effective',
        'Combining effective, domain and inherited filters will always result in an empty list.',
      ],
    ];
    for (const [q, message] of cases) {
      const res = await admin('GET', `/v3/role_assignments?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message, q).toBe(message);
    }
    expect((await admin('GET', '/v3/role_assignments?effective=0&group.id=x')).status).toBe(200);
    expect((await admin('GET', '/v3/role_assignments?effective&user.id=nobody')).status).toBe(404);
  });

  it('gives tokens exactly the roles the effective listing shows', async () => {
    await tokensAgreeWithListing(h);
  });

  it('shows a domain-scoped caller only its domain’s assignments, and refuses a member', async () => {
    const d = await seedDomain(h);
    const p = await seedProject(h, { domainId: d });
    const domainAdmin = await seedUser(h, { domainId: d });
    const adminRole = (await admin('GET', '/v3/roles?name=admin')).body.roles[0].id;
    await admin('PUT', `/v3/domains/${d}/users/${domainAdmin}/roles/${adminRole}`);
    const other = await seedUser(h, { domainId: d });
    const r = await seedRole(h);
    await admin('PUT', `/v3/projects/${p}/users/${other}/roles/${r}`);
    const { token } = await userToken(h, domainAdmin, { domain: { id: d } });
    const res = await h.request('GET', '/v3/role_assignments', { token });
    expect(res.status).toBe(200);
    const scopes = res.body.role_assignments.map((a: Assignment) => JSON.stringify(a.scope));
    expect(scopes.sort()).toEqual(
      [JSON.stringify({ domain: { id: d } }), JSON.stringify({ project: { id: p } })].sort(),
    );

    const memberRole = (await admin('GET', '/v3/roles?name=member')).body.roles[0].id;
    await admin('PUT', `/v3/projects/${p}/users/${other}/roles/${memberRole}`);
    const member = await userToken(h, other, { project: { id: p } });
    expect((await h.request('GET', '/v3/role_assignments', { token: member.token })).status).toBe(
      403,
    );
  });
});

/**
 * Users get roles through every path at once (direct, group, inherited from the domain and
 * from a parent, implied, domain-specific implying global, system); for each scope the
 * token's roles must equal the roles of the effective listing.
 */
async function tokensAgreeWithListing(h: IdentityHarness): Promise<void> {
  const admin = (method: string, url: string) => h.request(method, url, { token: h.adminToken });
  const list = async (query: string): Promise<Assignment[]> => {
    const res = await admin('GET', `/v3/role_assignments?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.role_assignments;
  };
  const d = await seedDomain(h);
  const top = await seedProject(h, { domainId: d });
  const mid = await seedProject(h, { domainId: d, parentId: top });
  const leaf = await seedProject(h, { domainId: d, parentId: mid });
  const user = await seedUser(h, { domainId: d });
  const g = await seedGroup(h, { domainId: d });
  await addToGroup(h, g, user);
  const [a, b, c, e, x] = [
    await seedRole(h),
    await seedRole(h),
    await seedRole(h),
    await seedRole(h),
    await seedRole(h),
  ];
  const dr = await seedRole(h, { domainId: d });
  await admin('PUT', `/v3/roles/${a}/implies/${b}`);
  await admin('PUT', `/v3/roles/${dr}/implies/${c}`);
  await admin('PUT', `/v3/projects/${mid}/users/${user}/roles/${a}`);
  await admin('PUT', `/v3/projects/${mid}/groups/${g}/roles/${dr}`);
  await admin('PUT', `/v3/OS-INHERIT/domains/${d}/groups/${g}/roles/${e}/inherited_to_projects`);
  await admin(
    'PUT',
    `/v3/OS-INHERIT/projects/${mid}/users/${user}/roles/${x}/inherited_to_projects`,
  );
  await admin('PUT', `/v3/domains/${d}/users/${user}/roles/${c}`);
  await admin('PUT', `/v3/system/groups/${g}/roles/${a}`);

  const scopes: Array<[string, Record<string, unknown>, string[]]> = [
    [`scope.project.id=${top}`, { project: { id: top } }, [e]],
    [`scope.project.id=${mid}`, { project: { id: mid } }, [a, b, c, e]],
    [`scope.project.id=${leaf}`, { project: { id: leaf } }, [e, x]],
    [`scope.domain.id=${d}`, { domain: { id: d } }, [c]],
    ['scope.system=all', { system: { all: true } }, [a, b]],
  ];
  for (const [q, scope, expected] of scopes) {
    const listed = [
      ...new Set((await list(`${q}&user.id=${user}&effective`)).map((r) => r.role.id)),
    ].sort();
    expect(listed, q).toEqual([...expected].sort());
    const tok = await userToken(h, user, scope);
    expect(tok.status, q).toBe(201);
    const inToken = (tok.body as { token: { roles: Array<{ id: string }> } }).token.roles
      .map((r) => r.id)
      .sort();
    expect(inToken, q).toEqual(listed);
  }
}

describeEachDialect('identity: role assignments', (suite) => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
  });
  afterAll(async () => h?.close());

  it('answers duplicates with 409 and keeps tokens and listings in agreement', async () => {
    await seedRole(h, { name: 'twice' });
    const again = await h.request('POST', '/v3/roles', {
      token: h.adminToken,
      body: { role: { name: 'twice' } },
    });
    expect(again.status).toBe(409);
    await tokensAgreeWithListing(h);
  });
});
