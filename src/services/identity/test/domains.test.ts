import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { newId } from '../ids.ts';
import { NULL_DOMAIN } from '../store/tables.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import {
  addToGroup,
  createDomain,
  createProject,
  FIXTURE_PASSWORD,
  grant,
  seedGroup,
  seedMember,
  seedRole,
  seedUser,
  uniq,
  type View,
} from './fixtures.ts';

describe('identity: domains', () => {
  let h: IdentityHarness;
  const admin = () => ({ token: h.adminToken });
  const disable = (id: string) =>
    h.request('PATCH', `/v3/domains/${id}`, { ...admin(), body: { domain: { enabled: false } } });
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('has the default domain, readable by a member of a project in it', async () => {
    const p = await createProject(h);
    const { token } = await seedMember(h, { projectId: p.id });
    const d = await h.request('GET', '/v3/domains/default', { token });
    expect(d.status).toBe(200);
    expect(d.body.domain).toMatchObject({ id: 'default', name: 'Default', enabled: true });
    const other = await createDomain(h);
    expect((await h.request('GET', `/v3/domains/${other.id}`, { token })).status).toBe(403);
    expect((await h.request('GET', '/v3/domains', { token })).status).toBe(403);
  });

  it('creates, updates, shows and deletes a domain', async () => {
    const name = uniq('domain');
    const created = await h.request('POST', '/v3/domains', {
      ...admin(),
      body: { domain: { name, description: 'desc', size: 'xl' } },
    });
    expect(created.status).toBe(201);
    const d = created.body.domain;
    expect(d).toMatchObject({
      name,
      description: 'desc',
      enabled: true,
      tags: [],
      options: {},
      size: 'xl',
    });
    expect(Object.keys(d)).not.toContain('domain_id');
    expect(Object.keys(d)).not.toContain('parent_id');
    expect(d.links.self).toMatch(new RegExp(`/v3/domains/${d.id}$`));

    const upd = await h.request('PATCH', `/v3/domains/${d.id}`, {
      ...admin(),
      body: { domain: { name: `${name}-2`, description: 'new', enabled: false } },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.domain).toMatchObject({
      name: `${name}-2`,
      description: 'new',
      enabled: false,
    });
    expect((await h.request('GET', `/v3/domains/${d.id}`, admin())).body.domain).toEqual(
      upd.body.domain,
    );

    expect((await h.request('DELETE', `/v3/domains/${d.id}`, admin())).status).toBe(204);
    expect((await h.request('GET', `/v3/domains/${d.id}`, admin())).status).toBe(404);
    const ids = (await h.request('GET', '/v3/domains', admin())).body.domains.map(
      (x: View) => x.id,
    );
    expect(ids).not.toContain(d.id);
  });

  it('defaults the description to empty and accepts a disabled domain', async () => {
    const plain = await createDomain(h);
    expect(plain.description).toBe('');
    const disabled = await createDomain(h, { enabled: false });
    expect(disabled.enabled).toBe(false);
    expect((await h.request('DELETE', `/v3/domains/${disabled.id}`, admin())).status).toBe(204);
  });

  it('rejects bad names, duplicates and malformed explicit ids', async () => {
    for (const name of ['', 'a'.repeat(65)]) {
      const r = await h.request('POST', '/v3/domains', { ...admin(), body: { domain: { name } } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('domain.name');
    }
    const d = await createDomain(h);
    expect(
      (await h.request('POST', '/v3/domains', { ...admin(), body: { domain: { name: d.name } } }))
        .status,
    ).toBe(409);
    const bad = await h.request('POST', '/v3/domains', {
      ...admin(),
      body: { domain: { name: uniq('d'), explicit_domain_id: 'not-a-uuid' } },
    });
    expect(bad.status).toBe(400);
    const id = newId();
    const explicit = await h.request('POST', '/v3/domains', {
      ...admin(),
      body: { domain: { name: uniq('d'), explicit_domain_id: id } },
    });
    expect(explicit.status).toBe(201);
    expect(explicit.body.domain.id).toBe(id);
    expect(explicit.body.domain.explicit_domain_id).toBeUndefined();
    const again = await h.request('POST', '/v3/domains', {
      ...admin(),
      body: { domain: { name: uniq('d'), explicit_domain_id: id } },
    });
    expect(again.status).toBe(409);
  });

  it('refuses to delete an enabled or unknown domain, and serves no project as a domain', async () => {
    const d = await createDomain(h);
    expect((await h.request('DELETE', `/v3/domains/${d.id}`, admin())).status).toBe(403);
    expect((await h.request('DELETE', `/v3/domains/${newId()}`, admin())).status).toBe(404);
    expect((await h.request('GET', `/v3/domains/${h.adminProjectId}`, admin())).status).toBe(404);
    const immutable = await createDomain(h, { enabled: false, options: { immutable: true } });
    expect((await h.request('DELETE', `/v3/domains/${immutable.id}`, admin())).status).toBe(403);
  });

  it('lists domains filtered by name and enabled', async () => {
    const on = await createDomain(h);
    const off = await createDomain(h, { enabled: false });
    const byName = await h.request('GET', `/v3/domains?name=${on.name}`, admin());
    expect(byName.body.domains).toEqual([on]);
    const enabled = (await h.request('GET', '/v3/domains?enabled=true', admin())).body.domains;
    expect(enabled).toContainEqual(on);
    expect(enabled.map((x: View) => x.id)).not.toContain(off.id);
    expect(enabled.every((x: View) => x.enabled === true)).toBe(true);
  });

  it('revokes the tokens of a domain when it is disabled', async () => {
    const d = await createDomain(h);
    const user = await seedUser(h, { domainId: d.id });
    await grant(h, { type: 'UserDomain', actorId: user, targetId: d.id, role: 'admin' });
    const { token } = await h.passwordToken(
      { id: user, password: FIXTURE_PASSWORD },
      { domain: { id: d.id } },
    );
    expect((await h.request('GET', `/v3/domains/${d.id}`, { token })).status).toBe(200);
    expect((await disable(d.id)).status).toBe(200);
    const events = await h.env.db
      .selectFrom('identity_revocation_event')
      .select('id')
      .where('domain_id', '=', d.id)
      .execute();
    expect(events.length).toBe(1);
    expect((await h.request('GET', `/v3/domains/${d.id}`, { token })).status).toBe(401);
  });

  it('deletes everything a domain holds', async () => {
    const d = await createDomain(h);
    const top = await createProject(h, { domain_id: d.id, tags: ['x'] });
    const child = await createProject(h, { domain_id: d.id, parent_id: top.id });
    const user = await seedUser(h, { domainId: d.id });
    const outsider = await seedUser(h);
    const db = h.env.db;
    const groupId = await seedGroup(h, { domainId: d.id, name: 'g' });
    await addToGroup(h, groupId, outsider);
    await seedRole(h, { name: 'domain-role', domainId: d.id });
    await grant(h, { type: 'UserProject', actorId: user, targetId: child.id, role: 'member' });
    await grant(h, {
      type: 'UserProject',
      actorId: outsider,
      targetId: top.id,
      role: 'member',
    });
    await grant(h, { type: 'UserDomain', actorId: outsider, targetId: d.id, role: 'reader' });
    await grant(h, {
      type: 'GroupProject',
      actorId: groupId,
      targetId: h.adminProjectId,
      role: 'reader',
    });
    await db
      .insertInto('identity_domain_config')
      .values({
        domain_id: d.id,
        group_name: 'identity',
        option_name: 'driver',
        value: '"ldap"',
        sensitive: 0,
      })
      .execute();

    expect((await disable(d.id)).status).toBe(200);
    expect((await h.request('DELETE', `/v3/domains/${d.id}`, admin())).status).toBe(204);

    expect((await h.request('GET', `/v3/domains/${d.id}`, admin())).status).toBe(404);
    for (const id of [top.id, child.id])
      expect((await h.request('GET', `/v3/projects/${id}`, admin())).status).toBe(404);
    const left = {
      users: await db
        .selectFrom('identity_user')
        .select('id')
        .where('domain_id', '=', d.id)
        .execute(),
      groups: await db
        .selectFrom('identity_group')
        .select('id')
        .where('domain_id', '=', d.id)
        .execute(),
      roles: await db
        .selectFrom('identity_role')
        .select('id')
        .where('domain_id', '=', d.id)
        .execute(),
      assignments: await db
        .selectFrom('identity_assignment')
        .select('role_id')
        .where((eb) =>
          eb.or([
            eb('target_id', 'in', [d.id, top.id, child.id]),
            eb('actor_id', 'in', [user, groupId]),
          ]),
        )
        .execute(),
      tags: await db
        .selectFrom('identity_project_tag')
        .select('name')
        .where('project_id', '=', top.id)
        .execute(),
      config: await db
        .selectFrom('identity_domain_config')
        .select('option_name')
        .where('domain_id', '=', d.id)
        .execute(),
    };
    expect(left).toEqual({
      users: [],
      groups: [],
      roles: [],
      assignments: [],
      tags: [],
      config: [],
    });
    // Users of other domains stay.
    expect(
      await db.selectFrom('identity_user').select('id').where('id', '=', outsider).execute(),
    ).toHaveLength(1);
    expect(
      await db
        .selectFrom('identity_role')
        .select('id')
        .where('domain_id', '=', NULL_DOMAIN)
        .execute(),
    ).not.toHaveLength(0);
  });

  it('answers non-admins with 403 on domain writes', async () => {
    const p = await createProject(h);
    const { token } = await seedMember(h, { projectId: p.id });
    expect(
      (await h.request('POST', '/v3/domains', { token, body: { domain: { name: uniq('d') } } }))
        .status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', '/v3/domains/default', {
          token,
          body: { domain: { description: 'x' } },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('DELETE', '/v3/domains/default', { token })).status).toBe(403);
  });
});

// The queries of this area on every dialect: tag filters (EXISTS subqueries), the
// hierarchy walk and the cascade of a domain delete.
describeEachDialect('identity: projects and domains store', (suite) => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
  });
  afterAll(async () => h?.close());

  it('filters by tags, walks the hierarchy and deletes a domain with its content', async () => {
    const admin = { token: h.adminToken };
    const d = await createDomain(h);
    const a = await createProject(h, { domain_id: d.id, tags: ['red', 'big'] });
    const b = await createProject(h, { domain_id: d.id, parent_id: a.id, tags: ['red'] });
    const byTags = await h.request(
      'GET',
      `/v3/projects?domain_id=${d.id}&tags=red&not-tags-any=big`,
      admin,
    );
    expect(byTags.body.projects.map((p: View) => p.id)).toEqual([b.id]);
    const subtree = await h.request('GET', `/v3/projects/${a.id}?subtree_as_ids`, admin);
    expect(subtree.body.project.subtree).toEqual({ [b.id]: null });
    const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://x', password: 's' } };
    expect(
      (await h.request('PUT', `/v3/domains/${d.id}/config`, { ...admin, body: { config } })).status,
    ).toBe(201);
    const patched = await h.request('PATCH', `/v3/domains/${d.id}/config/ldap/url`, {
      ...admin,
      body: { config: { url: 'ldap://y' } },
    });
    expect(patched.body.config).toEqual({
      identity: { driver: 'ldap' },
      ldap: { url: 'ldap://y' },
    });
    await h.request('PATCH', `/v3/domains/${d.id}`, {
      ...admin,
      body: { domain: { enabled: false } },
    });
    expect((await h.request('DELETE', `/v3/domains/${d.id}`, admin)).status).toBe(204);
    const rows = await h.env.db
      .selectFrom('identity_project')
      .select('id')
      .where('id', 'in', [d.id, a.id, b.id])
      .execute();
    expect(rows).toEqual([]);
  });
});
