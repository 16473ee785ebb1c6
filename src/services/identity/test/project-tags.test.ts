import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { createDomain, createProject, seedMember } from './fixtures.ts';

describe('identity: project tags', () => {
  let h: IdentityHarness;
  const admin = () => ({ token: h.adminToken });
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('adds, checks, replaces, lists and deletes tags', async () => {
    const p = await createProject(h);
    const base = `/v3/projects/${p.id}/tags`;
    const add = await h.request('PUT', `${base}/first`, admin());
    expect(add.status).toBe(201);
    expect(add.body).toBeUndefined();
    expect(add.headers.location).toMatch(new RegExp(`/v3/projects/${p.id}/tags/first$`));
    expect((await h.request('GET', `${base}/first`, admin())).status).toBe(204);
    expect((await h.request('GET', `${base}/absent`, admin())).status).toBe(404);

    const replaced = await h.request('PUT', base, {
      ...admin(),
      body: { tags: ['c', ' b ', 'a'] },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.tags).toEqual(['a', 'b', 'c']);
    expect(replaced.body.links.self).toMatch(new RegExp(`${base}$`));
    expect((await h.request('GET', base, admin())).body.tags).toEqual(['a', 'b', 'c']);
    expect((await h.request('GET', `/v3/projects/${p.id}`, admin())).body.project.tags).toEqual([
      'a',
      'b',
      'c',
    ]);

    expect((await h.request('DELETE', `${base}/a`, admin())).status).toBe(204);
    expect((await h.request('GET', `${base}/a`, admin())).status).toBe(404);
    expect((await h.request('DELETE', `${base}/a`, admin())).status).toBe(404);
    expect((await h.request('DELETE', base, admin())).status).toBe(204);
    expect((await h.request('GET', base, admin())).body.tags).toEqual([]);
  });

  it('enforces the tag rules', async () => {
    const p = await createProject(h);
    const base = `/v3/projects/${p.id}/tags`;
    expect((await h.request('PUT', `${base}/a,b`, admin())).status).toBe(400);
    expect((await h.request('PUT', `${base}/a%2Fb`, admin())).status).toBe(400);
    expect((await h.request('PUT', `${base}/${'x'.repeat(256)}`, admin())).status).toBe(400);
    expect(
      (await h.request('PUT', base, { ...admin(), body: { tags: ['dup', 'dup'] } })).status,
    ).toBe(400);
    expect(
      (await h.request('PUT', base, { ...admin(), body: { tags: ['ok', 'no/slash'] } })).status,
    ).toBe(400);
    const tooMany = Array.from({ length: 81 }, (_, i) => `t${i}`);
    const many = await h.request('PUT', base, { ...admin(), body: { tags: tooMany } });
    expect(many.status).toBe(400);
    expect(many.body.error.message).toContain('tags');
    expect(
      (await h.request('PUT', base, { ...admin(), body: { tags: tooMany.slice(0, 80) } })).status,
    ).toBe(200);
    expect((await h.request('PUT', `${base}/one-more`, admin())).status).toBe(400);
    expect((await h.request('PUT', `${base}/t1`, admin())).status).toBe(400);
    const create = await h.request('POST', '/v3/projects', {
      ...admin(),
      body: { project: { name: `p-${newId()}`, tags: ['a,b'] } },
    });
    expect(create.status).toBe(400);
  });

  it('answers 404 for an unknown project and tags domains too', async () => {
    const missing = `/v3/projects/${newId()}/tags`;
    expect((await h.request('GET', missing, admin())).status).toBe(404);
    expect((await h.request('PUT', `${missing}/x`, admin())).status).toBe(404);
    const d = await createDomain(h);
    expect((await h.request('PUT', `/v3/projects/${d.id}/tags/gold`, admin())).status).toBe(201);
    expect((await h.request('GET', `/v3/domains/${d.id}`, admin())).body.domain.tags).toEqual([
      'gold',
    ]);
  });

  it('refuses tag changes on an immutable project', async () => {
    const p = await createProject(h, { tags: ['keep'], options: { immutable: true } });
    const base = `/v3/projects/${p.id}/tags`;
    expect((await h.request('PUT', `${base}/new`, admin())).status).toBe(403);
    expect((await h.request('PUT', base, { ...admin(), body: { tags: [] } })).status).toBe(403);
    expect((await h.request('DELETE', `${base}/keep`, admin())).status).toBe(403);
    expect((await h.request('DELETE', base, admin())).status).toBe(403);
    expect((await h.request('GET', base, admin())).body.tags).toEqual(['keep']);
  });

  it('lets members read the tags of their project but not change them', async () => {
    const p = await createProject(h, { tags: ['t'] });
    const other = await createProject(h);
    const { token } = await seedMember(h, { projectId: p.id });
    expect((await h.request('GET', `/v3/projects/${p.id}/tags`, { token })).body.tags).toEqual([
      't',
    ]);
    expect((await h.request('GET', `/v3/projects/${p.id}/tags/t`, { token })).status).toBe(204);
    expect((await h.request('GET', `/v3/projects/${other.id}/tags`, { token })).status).toBe(403);
    expect((await h.request('PUT', `/v3/projects/${p.id}/tags/x`, { token })).status).toBe(403);
    expect((await h.request('DELETE', `/v3/projects/${p.id}/tags`, { token })).status).toBe(403);
  });
});
