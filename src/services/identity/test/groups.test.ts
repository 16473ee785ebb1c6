import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { createUser, grant, seedDomain, seedMember, seedProject, type View } from './fixtures.ts';

const gname = (p = 'group') => `${p}-${newId().slice(0, 10)}`;
const byName = (a: View, b: View) => String(a.name).localeCompare(String(b.name));

describe('identity: groups', () => {
  let h: IdentityHarness;
  let domainId: string;
  beforeAll(async () => {
    h = await startIdentity();
    domainId = await seedDomain(h);
  });
  afterAll(async () => h.close());

  const admin = (method: string, url: string, body?: unknown) =>
    h.request(method, url, { token: h.adminToken, ...(body !== undefined ? { body } : {}) });
  const createGroup = async (group: Record<string, unknown>): Promise<View> => {
    const r = await admin('POST', '/v3/groups', { group });
    expect(r.status).toBe(201);
    return r.body.group;
  };

  it('creates, updates and shows a group as tempest test_group_create_update_get does', async () => {
    const name = gname();
    const g = await createGroup({ name, domain_id: domainId, description: 'desc', team: 'blue' });
    expect(g).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name,
      domain_id: domainId,
      description: 'desc',
      team: 'blue',
      links: { self: expect.stringMatching(new RegExp(`/v3/groups/${g.id}$`)) },
    });
    const first = await admin('PATCH', `/v3/groups/${g.id}`, {
      group: { name: gname('upd'), description: 'desc2' },
    });
    expect(first.status).toBe(200);
    expect((await admin('GET', `/v3/groups/${g.id}`)).body.group).toEqual(first.body.group);
    const second = await admin('PATCH', `/v3/groups/${g.id}`, { group: { name: gname('upd2') } });
    expect(second.body.group).toMatchObject({
      description: 'desc2',
      domain_id: domainId,
      team: 'blue',
    });
    expect((await admin('HEAD', `/v3/groups/${g.id}`)).status).toBe(200);

    const plain = await createGroup({ name: gname() });
    expect(plain).toMatchObject({ domain_id: 'default', description: '' });
  });

  it('rejects bad group input as Keystone does', async () => {
    expect((await admin('POST', '/v3/groups', { group: { description: 'x' } })).status).toBe(400);
    expect((await admin('POST', '/v3/groups', { group: { name: 42 } })).status).toBe(400);
    expect(
      (await admin('POST', '/v3/groups', { group: { name: gname(), domain_id: newId() } })).status,
    ).toBe(404);
    const name = gname();
    await createGroup({ name });
    expect((await admin('POST', '/v3/groups', { group: { name } })).status).toBe(409);
    expect(
      (await admin('POST', '/v3/groups', { group: { name, domain_id: domainId } })).status,
    ).toBe(201);
    const other = await createGroup({ name: gname() });
    expect((await admin('PATCH', `/v3/groups/${other.id}`, { group: { name } })).status).toBe(409);
    expect(
      (await admin('PATCH', `/v3/groups/${other.id}`, { group: { domain_id: domainId } })).status,
    ).toBe(400);
    expect((await admin('PATCH', `/v3/groups/${other.id}`, { group: {} })).status).toBe(400);
    expect((await admin('GET', `/v3/groups/${newId()}`)).status).toBe(404);
    expect((await admin('PATCH', `/v3/groups/${newId()}`, { group: { name: 'x' } })).status).toBe(
      404,
    );
    expect((await admin('DELETE', `/v3/groups/${newId()}`)).status).toBe(404);
  });

  it('adds, lists, checks and removes members as tempest test_group_users_add_list_delete does', async () => {
    const g = await createGroup({ name: gname(), domain_id: domainId });
    const users: View[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await createUser(h, {
        name: gname('member'),
        password: `Pw-${newId()}`,
        email: 'm@x',
      });
      users.push(u);
      expect((await admin('PUT', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(204);
    }
    // Adding twice is fine.
    expect((await admin('PUT', `/v3/groups/${g.id}/users/${users[0]!.id}`)).status).toBe(204);
    const listed = await admin('GET', `/v3/groups/${g.id}/users`);
    expect(listed.status).toBe(200);
    expect([...listed.body.users].sort(byName)).toEqual([...users].sort(byName));
    const filtered = await admin('GET', `/v3/groups/${g.id}/users?name=${users[1]!.name}`);
    expect(filtered.body.users).toEqual([users[1]]);
    for (const u of users) {
      expect((await admin('HEAD', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(204);
      expect((await admin('GET', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(204);
      expect((await admin('DELETE', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(204);
      expect((await admin('HEAD', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(404);
      expect((await admin('DELETE', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(404);
    }
    expect((await admin('GET', `/v3/groups/${g.id}/users`)).body.users).toEqual([]);

    expect((await admin('PUT', `/v3/groups/${newId()}/users/${users[0]!.id}`)).status).toBe(404);
    expect((await admin('PUT', `/v3/groups/${g.id}/users/${newId()}`)).status).toBe(404);
    expect((await admin('GET', `/v3/groups/${newId()}/users`)).status).toBe(404);
  });

  it('lists the groups of a user as tempest test_list_user_groups does', async () => {
    const u = await createUser(h, { name: gname('user'), password: `Pw-${newId()}` });
    const groups = [
      await createGroup({ name: gname(), domain_id: domainId }),
      await createGroup({ name: gname(), domain_id: domainId }),
    ];
    for (const g of groups) await admin('PUT', `/v3/groups/${g.id}/users/${u.id}`);
    const listed = (await admin('GET', `/v3/users/${u.id}/groups`)).body.groups as View[];
    expect(listed.every((g) => g.membership_expires_at === null)).toBe(true);
    const stripped = listed.map(({ membership_expires_at: _, ...g }) => g);
    expect(stripped.sort(byName)).toEqual([...groups].sort(byName));
  });

  it('lists groups with name and domain filters', async () => {
    const d = await seedDomain(h);
    const a = await createGroup({ name: gname('alpha'), domain_id: d });
    const b = await createGroup({ name: gname('beta'), domain_id: d });
    const all = await admin('GET', '/v3/groups');
    expect(all.body.groups.map((g: View) => g.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    const inDomain = await admin('GET', `/v3/groups?domain_id=${d}`);
    expect(inDomain.body.groups.map((g: View) => g.id).sort()).toEqual([a.id, b.id].sort());
    const named = await admin('GET', `/v3/groups?name=${a.name}`);
    expect(named.body.groups).toEqual([a]);
    const starts = await admin('GET', `/v3/groups?domain_id=${d}&name__startswith=beta`);
    expect(starts.body.groups).toEqual([b]);
  });

  it("takes a group's roles away from its members at once when they leave or it is deleted", async () => {
    const password = `Pw-${newId()}`;
    const u = await createUser(h, { name: gname('user'), password });
    const projectId = await seedProject(h);
    const g = await createGroup({ name: gname() });
    await grant(h, { type: 'GroupProject', actorId: g.id, targetId: projectId, role: 'member' });
    await admin('PUT', `/v3/groups/${g.id}/users/${u.id}`);
    const scoped = await h.passwordToken({ id: u.id, password }, { project: { id: projectId } });
    expect(scoped.reply.status).toBe(201);
    const validate = () =>
      h.request('GET', '/v3/auth/tokens', {
        token: h.adminToken,
        headers: { 'x-subject-token': scoped.token },
      });
    expect((await validate()).status).toBe(200);
    const unscoped = await h.passwordToken({ id: u.id, password });
    expect((await admin('DELETE', `/v3/groups/${g.id}/users/${u.id}`)).status).toBe(204);
    expect((await validate()).status).toBe(404);
    // Nothing was revoked: the unscoped token still works.
    const check = await h.request('GET', '/v3/auth/tokens', {
      token: h.adminToken,
      headers: { 'x-subject-token': unscoped.token },
    });
    expect(check.status).toBe(200);

    await admin('PUT', `/v3/groups/${g.id}/users/${u.id}`);
    expect(
      (await h.passwordToken({ id: u.id, password }, { project: { id: projectId } })).reply.status,
    ).toBe(201);
    expect((await admin('DELETE', `/v3/groups/${g.id}`)).status).toBe(204);
    expect((await admin('GET', `/v3/groups/${g.id}`)).status).toBe(404);
    const assignments = await h.env.db
      .selectFrom('identity_assignment')
      .selectAll()
      .where('actor_id', '=', g.id)
      .execute();
    expect(assignments).toEqual([]);
    const memberships = await h.env.db
      .selectFrom('identity_group_membership')
      .selectAll()
      .where('group_id', '=', g.id)
      .execute();
    expect(memberships).toEqual([]);
    expect(
      (await h.passwordToken({ id: u.id, password }, { project: { id: projectId } })).reply.status,
    ).toBe(401);
  });

  it('applies the group policies: a project member can neither list nor create groups', async () => {
    const member = await seedMember(h);
    const g = await createGroup({ name: gname() });
    const as = (method: string, url: string, body?: unknown) =>
      h.request(method, url, { token: member.token, ...(body !== undefined ? { body } : {}) });
    expect((await as('GET', '/v3/groups')).status).toBe(403);
    expect((await as('POST', '/v3/groups', { group: { name: gname() } })).status).toBe(403);
    expect((await as('GET', `/v3/groups/${g.id}`)).status).toBe(403);
    expect((await as('PUT', `/v3/groups/${g.id}/users/${member.userId}`)).status).toBe(403);
    expect((await as('DELETE', `/v3/groups/${g.id}`)).status).toBe(403);
    expect((await as('GET', `/v3/groups/${g.id}/users`)).status).toBe(403);
  });
});
