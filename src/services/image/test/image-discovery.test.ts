import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

describe('image discovery: versions, schemas, info', () => {
  let c: TestCloud;
  let member: { token: string; projectId: string };
  beforeAll(async () => {
    c = await startTestCloud({ services: ['image'] });
    member = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  it('lists the API versions: 300 at the root, 200 at /versions, CURRENT first', async () => {
    const root = await c.request('image', 'GET', '/');
    expect(root.status).toBe(300);
    expect(root.body.versions[0]).toMatchObject({ id: 'v2.16', status: 'CURRENT' });
    expect(root.body.versions.map((v: { id: string }) => v.id)).toEqual(expect.arrayContaining(['v2.0', 'v2.1', 'v2.9']));
    expect(root.body.versions[0].links[0].href).toBe(`${c.url('image')}/v2/`);
    expect((await c.request('image', 'GET', '/versions')).status).toBe(200);
  });

  it('publishes the image, images, member and members schemas (auth required)', async () => {
    expect((await c.request('image', 'GET', '/v2/schemas/image')).status).toBe(401);
    const image = await c.request('image', 'GET', '/v2/schemas/image', { token: member.token });
    expect(image.body.name).toBe('image');
    expect(image.body.properties.disk_format.enum).toContain('qcow2');
    expect(image.body.additionalProperties).toEqual({ type: 'string' });
    const images = await c.request('image', 'GET', '/v2/schemas/images', { token: member.token });
    expect(images.body.name).toBe('images');
    expect(images.body.properties.images.items.name).toBe('image');
    expect(images.body.links.map((l: { rel: string }) => l.rel)).toEqual(['first', 'next', 'describedby']);
    expect((await c.request('image', 'GET', '/v2/schemas/member', { token: member.token })).body.name).toBe('member');
    const members = await c.request('image', 'GET', '/v2/schemas/members', { token: member.token });
    expect(members.body.properties.members.items.name).toBe('member');
    expect((await c.request('image', 'GET', '/v2/schemas/nothing', { token: member.token })).status).toBe(404);
  });

  it('publishes the metadef schemas', async () => {
    const names: Record<string, string> = {
      namespace: 'namespace',
      namespaces: 'namespaces',
      object: 'object',
      objects: 'objects',
      property: 'property',
      properties: 'properties',
      tag: 'tag',
      tags: 'tags',
      resource_type: 'resource_type_association',
      resource_types: 'resource_type_associations',
    };
    for (const [path, name] of Object.entries(names)) {
      const r = await c.request('image', 'GET', `/v2/schemas/metadefs/${path}`, { token: member.token });
      expect(r.status, path).toBe(200);
      expect(r.body.name, path).toBe(name);
    }
  });

  it('shows the import methods and the stores; store details to admins only', async () => {
    const imp = await c.request('image', 'GET', '/v2/info/import', { token: member.token });
    expect(imp.body['import-methods']).toEqual({ description: 'Import methods available.', type: 'array', value: ['glance-direct', 'web-download', 'copy-image'] });
    const stores = await c.request('image', 'GET', '/v2/info/stores', { token: member.token });
    expect(stores.body.stores).toEqual([{ id: 'file', description: expect.any(String), default: true }]);
    expect((await c.request('image', 'GET', '/v2/info/stores/detail', { token: member.token })).status).toBe(403);
    const detail = await c.request('image', 'GET', '/v2/info/stores/detail', { token: c.adminToken });
    expect(detail.body.stores[0]).toMatchObject({ id: 'file', type: 'file', default: true, weight: 0, properties: expect.any(Object) });
  });

  it('reports the project usage of each image quota resource', async () => {
    const usage = await c.request('image', 'GET', '/v2/info/usage', { token: member.token });
    expect(usage.status).toBe(200);
    expect(Object.keys(usage.body.usage).sort()).toEqual(['image_count_total', 'image_count_uploading', 'image_size_total', 'image_stage_total']);
    expect(usage.body.usage.image_count_total).toEqual({ limit: -1, usage: 0 });
  });
});
