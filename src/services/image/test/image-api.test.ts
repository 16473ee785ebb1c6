import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';
import { createImage, show, storeFiles, upload, type ImageBody } from './image-test-helpers.ts';

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('images API: create, list, show, patch, delete', () => {
  let c: TestCloud;
  let alice: { token: string; projectId: string };
  beforeAll(async () => {
    c = await startTestCloud({ services: ['image'] });
    alice = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  const list = async (token: string, query = '') => {
    const r = await c.request('image', 'GET', `/v2/images${query}`, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { images: ImageBody[]; next?: string; first: string };
  };

  it('creates an image with Glance defaults, a Location header and custom properties', async () => {
    const r = await c.request('image', 'POST', '/v2/images', {
      token: alice.token,
      body: { name: 'debian', disk_format: 'qcow2', container_format: 'bare', min_disk: 2, tags: ['os'], os_distro: 'debian' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${c.url('image')}/v2/images/${r.body.id}`);
    expect(r.body).toMatchObject({
      name: 'debian',
      status: 'queued',
      visibility: 'shared',
      owner: alice.projectId,
      min_disk: 2,
      min_ram: 0,
      protected: false,
      tags: ['os'],
      os_distro: 'debian',
      self: `/v2/images/${r.body.id}`,
      file: `/v2/images/${r.body.id}/file`,
      schema: '/v2/schemas/image',
    });
    expect(r.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses bad create bodies with Glance errors', async () => {
    const bad = (body: unknown) => c.request('image', 'POST', '/v2/images', { token: alice.token, body });
    expect((await bad({ disk_format: 'floppy' })).status).toBe(400);
    expect((await bad({ container_format: 'box' })).status).toBe(400);
    expect((await bad({ min_ram: -1 })).status).toBe(400);
    expect((await bad({ status: 'active' })).status).toBe(403);
    expect((await bad({ os_glance_x: '1' })).status).toBe(403);
    expect((await bad({ visibility: 'public' })).status).toBe(403);
    const err = await bad({ disk_format: 'floppy' });
    expect(err.body).toMatchObject({ code: '400 Bad Request', title: 'Bad Request' });
  });

  it('filters, sorts and pages the list with markers', async () => {
    const project = await c.member();
    const made: string[] = [];
    for (const [i, fmt] of ['raw', 'qcow2', 'raw', 'iso'].entries()) {
      made.push((await createImage(c, project.token, { name: `page-${i}`, disk_format: fmt, tags: i === 1 ? ['x'] : [] })).id);
    }
    const all = await list(project.token);
    expect(all.images.map((i) => i.id)).toEqual([...made].reverse());
    expect((await list(project.token, '?disk_format=raw')).images.map((i) => i.name).sort()).toEqual(['page-0', 'page-2']);
    expect((await list(project.token, '?disk_format=in:iso,qcow2')).images.length).toBe(2);
    expect((await list(project.token, '?tag=x')).images.map((i) => i.name)).toEqual(['page-1']);
    expect((await list(project.token, '?name=page-3')).images.map((i) => i.id)).toEqual([made[3]]);
    expect((await list(project.token, '?sort=name:asc')).images.map((i) => i.name)).toEqual(['page-0', 'page-1', 'page-2', 'page-3']);
    expect((await list(project.token, '?sort_key=name&sort_dir=desc')).images.map((i) => i.name)).toEqual(['page-3', 'page-2', 'page-1', 'page-0']);

    const first = await list(project.token, '?limit=3&sort=name:asc');
    expect(first.images.map((i) => i.name)).toEqual(['page-0', 'page-1', 'page-2']);
    expect(first.next).toBe(`/v2/images?limit=3&sort=name%3Aasc&marker=${made[2]}`);
    const second = await list(project.token, first.next!.slice('/v2/images'.length));
    expect(second.images.map((i) => i.name)).toEqual(['page-3']);
    expect(second.next).toBeUndefined();

    const bad = await c.request('image', 'GET', '/v2/images?limit=x', { token: project.token });
    expect(bad.status).toBe(400);
    expect((await c.request('image', 'GET', '/v2/images?sort_key=bogus', { token: project.token })).status).toBe(400);
    expect((await c.request('image', 'GET', '/v2/images?marker=00000000-0000-0000-0000-000000000000', { token: project.token })).status).toBe(400);
  });

  it('updates with JSON-patch: replace, add and remove properties, tags; read-only attributes are 403', async () => {
    const image = await createImage(c, alice.token, { name: 'before', color: 'red' });
    const patch = (ops: unknown, headers = PATCH) => c.request('image', 'PATCH', `/v2/images/${image.id}`, { token: alice.token, body: ops, headers });
    const r = await patch([
      { op: 'replace', path: '/name', value: 'after' },
      { op: 'add', path: '/size_hint', value: 'big' },
      { op: 'remove', path: '/color' },
      { op: 'replace', path: '/tags', value: ['a', 'b'] },
      { op: 'replace', path: '/min_ram', value: 512 },
    ]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ name: 'after', size_hint: 'big', tags: ['a', 'b'], min_ram: 512 });
    expect(r.body.color).toBeUndefined();
    expect((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status).toBe(403);
    expect((await patch([{ op: 'remove', path: '/nothing' }])).status).toBe(409);
    expect((await patch([{ op: 'replace', path: '/name', value: 'x' }], { 'content-type': 'application/json' })).status).toBe(415);
    expect((await patch([{ op: 'replace', path: '/min_ram', value: 'lots' }])).status).toBe(400);
    expect((await show(c, alice.token, image.id)).name).toBe('after');
  });

  it('deletes an image and its data; protected images are 403; a second delete is 404', async () => {
    const image = await createImage(c, alice.token, { protected: true });
    await upload(c, alice.token, image.id, Buffer.from('data'));
    expect(storeFiles(c)).toContain(image.id);
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: alice.token })).status).toBe(403);
    await c.request('image', 'PATCH', `/v2/images/${image.id}`, { token: alice.token, body: [{ op: 'replace', path: '/protected', value: false }], headers: PATCH });
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: alice.token })).status).toBe(204);
    expect(storeFiles(c)).not.toContain(image.id);
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: alice.token })).status).toBe(404);
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: alice.token })).status).toBe(404);
  });
});

describe('image visibility and sharing across projects', () => {
  let c: TestCloud;
  let owner: { token: string; projectId: string };
  let other: { token: string; projectId: string };
  beforeAll(async () => {
    c = await startTestCloud({ services: ['image'] });
    owner = await c.member();
    other = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  const ids = async (token: string, query = '') => ((await c.request('image', 'GET', `/v2/images${query}`, { token })).body.images as Array<{ id: string }>).map((i) => i.id);

  it('keeps a private image invisible and untouchable to another project', async () => {
    const image = await createImage(c, owner.token, { visibility: 'private' });
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: other.token })).status).toBe(404);
    expect(await ids(other.token)).not.toContain(image.id);
    const patch = await c.request('image', 'PATCH', `/v2/images/${image.id}`, {
      token: other.token,
      body: [{ op: 'replace', path: '/name', value: 'mine now' }],
      headers: PATCH,
    });
    expect(patch.status).toBe(404);
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}`, { token: other.token })).status).toBe(404);
    expect((await upload(c, other.token, image.id, Buffer.from('x'))).status).toBe(404);
    expect((await show(c, owner.token, image.id)).name).toBe(image.name);
    expect(await ids(c.adminToken)).toContain(image.id);
  });

  it('shares an image through members: pending, accepted, rejected', async () => {
    const image = await createImage(c, owner.token, { visibility: 'shared' });
    await upload(c, owner.token, image.id, Buffer.from('shared data'));
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: other.token })).status).toBe(404);
    const add = await c.request('image', 'POST', `/v2/images/${image.id}/members`, { token: owner.token, body: { member: other.projectId } });
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ member_id: other.projectId, image_id: image.id, status: 'pending', schema: '/v2/schemas/member' });
    // A member sees the image by id at once, but lists it only once accepted.
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: other.token })).status).toBe(200);
    expect(await ids(other.token)).not.toContain(image.id);
    expect(await ids(other.token, '?member_status=pending')).toContain(image.id);
    // The owner cannot answer for the member.
    expect((await c.request('image', 'PUT', `/v2/images/${image.id}/members/${other.projectId}`, { token: owner.token, body: { status: 'accepted' } })).status).toBe(403);
    const accept = await c.request('image', 'PUT', `/v2/images/${image.id}/members/${other.projectId}`, { token: other.token, body: { status: 'accepted' } });
    expect(accept.body.status).toBe('accepted');
    expect(await ids(other.token)).toContain(image.id);
    const data = await fetch(`${c.url('image')}/v2/images/${image.id}/file`, { headers: { 'x-auth-token': other.token } });
    expect(await data.text()).toBe('shared data');
    expect((await c.request('image', 'PUT', `/v2/images/${image.id}/members/${other.projectId}`, { token: other.token, body: { status: 'maybe' } })).status).toBe(400);
    await c.request('image', 'PUT', `/v2/images/${image.id}/members/${other.projectId}`, { token: other.token, body: { status: 'rejected' } });
    expect(await ids(other.token)).not.toContain(image.id);
    expect(await ids(other.token, '?member_status=rejected')).toContain(image.id);
    // The member may not change the image it was given.
    const patch = await c.request('image', 'PATCH', `/v2/images/${image.id}`, { token: other.token, body: [{ op: 'replace', path: '/name', value: 'x' }], headers: PATCH });
    expect(patch.status).toBe(403);
    const members = await c.request('image', 'GET', `/v2/images/${image.id}/members`, { token: owner.token });
    expect(members.body.members.map((m: { member_id: string }) => m.member_id)).toEqual([other.projectId]);
    expect((await c.request('image', 'DELETE', `/v2/images/${image.id}/members/${other.projectId}`, { token: owner.token })).status).toBe(204);
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: other.token })).status).toBe(404);
  });

  it('adds no members to a private image and refuses a duplicate member', async () => {
    const priv = await createImage(c, owner.token, { visibility: 'private' });
    expect((await c.request('image', 'POST', `/v2/images/${priv.id}/members`, { token: owner.token, body: { member: other.projectId } })).status).toBe(403);
    const shared = await createImage(c, owner.token);
    await c.request('image', 'POST', `/v2/images/${shared.id}/members`, { token: owner.token, body: { member: other.projectId } });
    expect((await c.request('image', 'POST', `/v2/images/${shared.id}/members`, { token: owner.token, body: { member: other.projectId } })).status).toBe(409);
  });

  it('shows community images to everyone but lists them only on request', async () => {
    const image = await createImage(c, owner.token, { visibility: 'community' });
    expect((await c.request('image', 'GET', `/v2/images/${image.id}`, { token: other.token })).status).toBe(200);
    expect(await ids(other.token)).not.toContain(image.id);
    expect(await ids(other.token, '?visibility=community')).toContain(image.id);
    expect(await ids(owner.token)).toContain(image.id);
  });

  it('lets only admins publish images', async () => {
    const image = await createImage(c, owner.token);
    const patch = (token: string) =>
      c.request('image', 'PATCH', `/v2/images/${image.id}`, { token, body: [{ op: 'replace', path: '/visibility', value: 'public' }], headers: PATCH });
    expect((await patch(owner.token)).status).toBe(403);
    expect((await patch(c.adminToken)).status).toBe(200);
    expect(await ids(other.token)).toContain(image.id);
  });
});
