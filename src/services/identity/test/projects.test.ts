import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import {
  createDomain,
  createProject,
  FIXTURE_PASSWORD,
  grant,
  seedMember,
  seedUser,
  uniq,
  type View,
} from './fixtures.ts';

describe('identity: projects', () => {
  let h: IdentityHarness;
  const admin = () => ({ token: h.adminToken });
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('creates a top-level project in the default domain and shows it as the list does', async () => {
    const reply = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: {
        project: { name: '  spaced  ', description: 'd', tags: ['a', 'c', 'b'], color: 'blue' },
      },
    });
    expect(reply.status).toBe(201);
    const p = reply.body.project;
    expect(p).toMatchObject({
      name: 'spaced',
      description: 'd',
      domain_id: 'default',
      parent_id: 'default',
      is_domain: false,
      enabled: true,
      options: {},
      color: 'blue',
    });
    expect(p.id).toMatch(/^[0-9a-f]{32}$/);
    expect(p.links.self).toMatch(new RegExp(`/v3/projects/${p.id}$`));
    expect([...p.tags].sort()).toEqual(['a', 'b', 'c']);

    const shown = (await h.request('GET', `/v3/projects/${p.id}`, admin())).body.project;
    const listed = (await h.request('GET', '/v3/projects', admin())).body.projects.find(
      (x: View) => x.id === p.id,
    );
    expect(listed).toEqual(shown);
    expect(shown).toEqual(p);
  });

  it('places a project under its domain or parent, and refuses a parent elsewhere', async () => {
    const domain = await createDomain(h);
    const root = await createProject(h, { domain_id: domain.id });
    expect(root.parent_id).toBe(domain.id);
    const child = await createProject(h, { domain_id: domain.id, parent_id: root.id });
    expect(child).toMatchObject({ parent_id: root.id, domain_id: domain.id });

    // Without a domain the default domain is assumed, which does not match the parent's.
    const mismatch = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), parent_id: root.id } },
    });
    expect(mismatch.status).toBe(400);
    const unknownParent = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), parent_id: 'f'.repeat(32) } },
    });
    expect(unknownParent.status).toBe(400);
    expect(unknownParent.body.error.message).toContain('Could not find project');
    const unknownDomain = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), domain_id: 'e'.repeat(32) } },
    });
    expect(unknownDomain.status).toBe(400);
    expect(unknownDomain.body.error.message).toContain('Could not find domain');
  });

  it('validates names and keeps them unique per domain', async () => {
    for (const name of ['', ' ', 'a'.repeat(65)]) {
      const r = await h.request('POST', '/v3/projects', {
        ...admin(),
        body: { project: { name } },
      });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('project.name');
    }
    const missing = await h.request('POST', '/v3/projects', { ...admin(), body: { project: {} } });
    expect(missing.status).toBe(400);
    const badEnabled = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), enabled: 'yes' } },
    });
    expect(badEnabled.status).toBe(400);
    expect(badEnabled.body.error.message).toContain('project.enabled');

    const name = uniq('dup');
    await createProject(h, { name });
    const dup = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name } },
    });
    expect(dup.status).toBe(409);
    const other = await createDomain(h);
    expect((await createProject(h, { name, domain_id: other.id })).name).toBe(name);
  });

  it('updates name, description, enabled and extras, and refuses hierarchy changes', async () => {
    const p = await createProject(h, { enabled: false });
    const upd = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: {
        project: {
          name: 'renamed-' + p.id.slice(0, 6),
          description: 'new',
          enabled: true,
          color: 'red',
          tags: ['x'],
        },
      },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.project).toMatchObject({
      description: 'new',
      enabled: true,
      color: 'red',
      tags: ['x'],
    });
    const shown = (await h.request('GET', `/v3/projects/${p.id}`, admin())).body.project;
    expect(shown).toEqual(upd.body.project);

    const domain = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { domain_id: 'other' } },
    });
    expect(domain.status).toBe(400);
    const parent = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { parent_id: h.adminProjectId } },
    });
    expect(parent.status).toBe(403);
    const isDomain = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { is_domain: true } },
    });
    expect(isDomain.status).toBe(400);
    const id = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { id: 'x' } },
    });
    expect(id.status).toBe(400);
    const empty = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: {} },
    });
    expect(empty.status).toBe(400);
    const same = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { domain_id: 'default', parent_id: 'default' } },
    });
    expect(same.status).toBe(200);
    const unknown = await h.request('PATCH', `/v3/projects/${'0'.repeat(32)}`, {
      ...admin(),
      body: { project: { name: 'x' } },
    });
    expect(unknown.status).toBe(404);
  });

  it('keeps a hierarchy consistent when enabling and disabling', async () => {
    const parent = await createProject(h);
    const child = await createProject(h, { parent_id: parent.id });
    const disableParent = await h.request('PATCH', `/v3/projects/${parent.id}`, {
      ...admin(),
      body: { project: { enabled: false } },
    });
    expect(disableParent.status).toBe(403);
    expect(
      (
        await h.request('PATCH', `/v3/projects/${child.id}`, {
          ...admin(),
          body: { project: { enabled: false } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await h.request('PATCH', `/v3/projects/${parent.id}`, {
          ...admin(),
          body: { project: { enabled: false } },
        })
      ).status,
    ).toBe(200);
    const enableChild = await h.request('PATCH', `/v3/projects/${child.id}`, {
      ...admin(),
      body: { project: { enabled: true } },
    });
    expect(enableChild.status).toBe(403);
    const underDisabled = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), parent_id: parent.id } },
    });
    expect(underDisabled.status).toBe(400);
  });

  it('limits the depth of a hierarchy', async () => {
    let parentId = 'default';
    const created: string[] = [];
    for (let level = 0; level < 5; level++) {
      const p = await createProject(h, { parent_id: parentId });
      created.push(p.id);
      parentId = p.id;
    }
    const tooDeep = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('p'), parent_id: parentId } },
    });
    expect(tooDeep.status).toBe(403);

    const top = created[0]!;
    const subtree = await h.request('GET', `/v3/projects/${top}?subtree_as_ids`, admin());
    expect(subtree.body.project.subtree).toEqual({
      [created[1]!]: { [created[2]!]: { [created[3]!]: { [created[4]!]: null } } },
    });
    const parents = await h.request('GET', `/v3/projects/${created[2]}?parents_as_ids`, admin());
    expect(parents.body.project.parents).toEqual({ [created[1]!]: { [top]: { default: null } } });
    const both = await h.request(
      'GET',
      `/v3/projects/${top}?subtree_as_ids&subtree_as_list`,
      admin(),
    );
    expect(both.status).toBe(400);
    const off = await h.request('GET', `/v3/projects/${top}?subtree_as_ids=0`, admin());
    expect(off.body.project.subtree).toBeUndefined();

    // Lists show only the projects the caller has a role on.
    const member = await seedMember(h, { projectId: created[2]! });
    await grant(h, {
      type: 'UserProject',
      actorId: member.userId,
      targetId: created[4]!,
      role: 'reader',
    });
    await grant(h, { type: 'UserProject', actorId: member.userId, targetId: top, role: 'reader' });
    const sub = await h.request('GET', `/v3/projects/${created[2]}?subtree_as_list`, {
      token: member.token,
    });
    expect(sub.status).toBe(200);
    expect(sub.body.project.subtree.map((x: View) => x.project.id)).toEqual([created[4]]);
    const up = await h.request('GET', `/v3/projects/${created[2]}?parents_as_list`, {
      token: member.token,
    });
    expect(up.body.project.parents.map((x: View) => x.project.id)).toEqual([top]);

    // Refuses to delete a project with children; deleting the leaf works.
    const refused = await h.request('DELETE', `/v3/projects/${created[3]}`, admin());
    expect(refused.status).toBe(403);
    expect((await h.request('DELETE', `/v3/projects/${created[4]}`, admin())).status).toBe(204);
    expect((await h.request('DELETE', `/v3/projects/${created[3]}`, admin())).status).toBe(204);
  });

  it('filters lists by name, domain, parent, enabled, is_domain and tags', async () => {
    const domain = await createDomain(h);
    const a = await createProject(h, { domain_id: domain.id, tags: ['red', 'big'] });
    const b = await createProject(h, { domain_id: domain.id, tags: ['red'], enabled: false });
    const c = await createProject(h, { domain_id: domain.id, parent_id: a.id, tags: ['blue'] });
    const ids = async (query: string) =>
      (await h.request('GET', `/v3/projects?${query}`, admin())).body.projects
        .map((p: View) => p.id)
        .sort();
    const sorted = (...xs: View[]) => xs.map((x) => x.id).sort();

    expect(await ids(`domain_id=${domain.id}`)).toEqual(sorted(a, b, c));
    expect(await ids(`name=${a.name}`)).toEqual([a.id]);
    expect(await ids(`domain_id=${domain.id}&enabled=false`)).toEqual([b.id]);
    expect(await ids(`parent_id=${a.id}`)).toEqual([c.id]);
    expect(await ids(`domain_id=${domain.id}&tags=red,big`)).toEqual([a.id]);
    expect(await ids(`domain_id=${domain.id}&tags-any=big,blue`)).toEqual(sorted(a, c));
    expect(await ids(`domain_id=${domain.id}&not-tags=red,big`)).toEqual(sorted(b, c));
    expect(await ids(`domain_id=${domain.id}&not-tags-any=red`)).toEqual([c.id]);
    expect(await ids('is_domain=true')).toContain(domain.id);
    expect(await ids('is_domain=true')).not.toContain(a.id);
    expect(await ids('')).not.toContain(domain.id);
    const bad = await h.request('GET', '/v3/projects?enabled=maybe', admin());
    expect(bad.status).toBe(400);
    const list = await h.request('GET', `/v3/projects?name=${a.name}`, admin());
    expect(list.body.links.self).toContain(`/v3/projects?name=${a.name}`);
  });

  it('creates a domain with is_domain and deletes it through the projects API once disabled', async () => {
    const created = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('pd'), domain_id: null, is_domain: true } },
    });
    expect(created.status).toBe(201);
    const d = created.body.project;
    expect(d).toMatchObject({ is_domain: true, domain_id: null, parent_id: null });
    const domains = (await h.request('GET', '/v3/domains', admin())).body.domains.map(
      (x: View) => x.id,
    );
    expect(domains).toContain(d.id);
    const notRoot = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: uniq('pd'), domain_id: 'default', is_domain: true } },
    });
    expect(notRoot.status).toBe(400);
    expect((await h.request('DELETE', `/v3/projects/${d.id}`, admin())).status).toBe(403);
    expect(
      (
        await h.request('PATCH', `/v3/projects/${d.id}`, {
          ...admin(),
          body: { project: { enabled: false } },
        })
      ).status,
    ).toBe(200);
    expect((await h.request('DELETE', `/v3/projects/${d.id}`, admin())).status).toBe(204);
    expect((await h.request('GET', `/v3/domains/${d.id}`, admin())).status).toBe(404);
  });

  it('honours the immutable option', async () => {
    const p = await createProject(h, { options: { immutable: true } });
    expect(p.options).toEqual({ immutable: true });
    const rename = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { name: uniq('x') } },
    });
    expect(rename.status).toBe(403);
    expect((await h.request('DELETE', `/v3/projects/${p.id}`, admin())).status).toBe(403);
    const badOption = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { options: { sticky: true } } },
    });
    expect(badOption.status).toBe(400);
    const unset = await h.request('PATCH', `/v3/projects/${p.id}`, {
      ...admin(),
      body: { project: { options: { immutable: null } } },
    });
    expect(unset.status).toBe(200);
    expect(unset.body.project.options).toEqual({});
    expect((await h.request('DELETE', `/v3/projects/${p.id}`, admin())).status).toBe(204);
  });

  it('deletes a project with its assignments, tags and default-project links, and revokes its tokens', async () => {
    const p = await createProject(h, { tags: ['t'] });
    const member = await seedMember(h, { projectId: p.id });
    await h.env.db
      .updateTable('identity_user')
      .set({ default_project_id: p.id })
      .where('id', '=', member.userId)
      .execute();
    expect((await h.request('GET', `/v3/projects/${p.id}`, { token: member.token })).status).toBe(
      200,
    );

    expect((await h.request('DELETE', `/v3/projects/${p.id}`, admin())).status).toBe(204);
    expect((await h.request('GET', `/v3/projects/${p.id}`, admin())).status).toBe(404);
    expect((await h.request('DELETE', `/v3/projects/${p.id}`, admin())).status).toBe(404);
    const db = h.env.db;
    expect(
      await db
        .selectFrom('identity_assignment')
        .select('role_id')
        .where('target_id', '=', p.id)
        .execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom('identity_project_tag')
        .select('name')
        .where('project_id', '=', p.id)
        .execute(),
    ).toEqual([]);
    const user = await db
      .selectFrom('identity_user')
      .select('default_project_id')
      .where('id', '=', member.userId)
      .executeTakeFirstOrThrow();
    expect(user.default_project_id).toBeNull();
    const events = await db
      .selectFrom('identity_revocation_event')
      .select('project_id')
      .where('project_id', '=', p.id)
      .execute();
    expect(events.length).toBe(1);
    expect((await h.request('GET', '/v3/auth/catalog', { token: member.token })).status).toBe(401);
  });

  it('revokes the tokens of a project when it is disabled', async () => {
    const p = await createProject(h);
    const member = await seedMember(h, { projectId: p.id });
    expect(
      (
        await h.request('PATCH', `/v3/projects/${p.id}`, {
          ...admin(),
          body: { project: { enabled: false } },
        })
      ).status,
    ).toBe(200);
    const events = await h.env.db
      .selectFrom('identity_revocation_event')
      .select('id')
      .where('project_id', '=', p.id)
      .execute();
    expect(events.length).toBe(1);
    expect((await h.request('GET', '/v3/auth/catalog', { token: member.token })).status).toBe(401);
  });

  it('keeps a project member to its own project', async () => {
    const mine = await createProject(h);
    const theirs = await createProject(h);
    const { token } = await seedMember(h, { projectId: mine.id });
    expect((await h.request('GET', `/v3/projects/${mine.id}`, { token })).status).toBe(200);
    expect((await h.request('GET', `/v3/projects/${theirs.id}`, { token })).status).toBe(403);
    expect((await h.request('GET', `/v3/projects/${'0'.repeat(32)}`, { token })).status).toBe(403);
    expect((await h.request('GET', '/v3/projects', { token })).status).toBe(403);
    expect(
      (await h.request('POST', '/v3/projects', { token, body: { project: { name: uniq('p') } } }))
        .status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', `/v3/projects/${mine.id}`, {
          token,
          body: { project: { description: 'x' } },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('DELETE', `/v3/projects/${theirs.id}`, { token })).status).toBe(403);
    expect((await h.request('GET', '/v3/projects')).status).toBe(401);
  });

  it('lets a domain-scoped reader list only the projects of its domain', async () => {
    const domain = await createDomain(h);
    const inside = await createProject(h, { domain_id: domain.id });
    const user = await seedUser(h, { domainId: domain.id });
    await grant(h, { type: 'UserDomain', actorId: user, targetId: domain.id, role: 'reader' });
    const { token, reply } = await h.passwordToken(
      { id: user, password: FIXTURE_PASSWORD },
      { domain: { id: domain.id } },
    );
    expect(reply.status).toBe(201);
    const list = await h.request('GET', '/v3/projects', { token });
    expect(list.status).toBe(200);
    expect(list.body.projects.map((p: View) => p.id)).toEqual([inside.id]);
    const other = await h.request('GET', '/v3/projects?domain_id=default', { token });
    expect(other.body.projects).toEqual([]);
    expect((await h.request('GET', `/v3/projects/${inside.id}`, { token })).status).toBe(200);
  });
});

describe('identity: project lists with list_limit', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ settings: { list_limit: 2 } });
  });
  afterAll(async () => h.close());

  it('cuts long lists and flags them truncated', async () => {
    for (let i = 0; i < 3; i++) await createProject(h);
    const list = await h.request('GET', '/v3/projects', { token: h.adminToken });
    expect(list.body.projects.length).toBe(2);
    expect(list.body.truncated).toBe(true);
    const one = await h.request('GET', '/v3/projects?name=admin', { token: h.adminToken });
    expect(one.body.projects.length).toBe(1);
    expect(one.body.truncated).toBeUndefined();
  });
});
