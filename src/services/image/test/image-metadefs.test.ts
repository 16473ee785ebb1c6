import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

describe('metadata definitions: namespaces, objects, properties, tags, resource types', () => {
  let c: TestCloud;
  let member: { token: string; projectId: string };
  beforeAll(async () => {
    c = await startTestCloud({ services: ['image'] });
    member = await c.member();
  }, 120_000);
  afterAll(async () => c?.close());

  const req = (method: string, path: string, body?: unknown, token?: string) =>
    c.request('image', method, `/v2/metadefs/${path}`, { token: token ?? c.adminToken, ...(body === undefined ? {} : { body }) });

  it('creates, shows, updates and deletes a namespace; protected ones cannot be deleted', async () => {
    const types = await req('GET', 'resource_types');
    expect(types.body.resource_types.map((t: { name: string }) => t.name)).toContain('OS::Glance::Image');
    const created = await req('POST', 'namespaces', {
      namespace: 'ns-basic',
      visibility: 'public',
      description: 'Tempest',
      display_name: 'ns-basic',
      resource_type_associations: [{ name: 'OS::Glance::Image' }],
      protected: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ namespace: 'ns-basic', visibility: 'public', protected: true, self: '/v2/metadefs/namespaces/ns-basic' });
    expect((await req('POST', 'namespaces', { namespace: 'ns-basic' })).status).toBe(409);
    expect((await req('GET', 'namespaces')).body.namespaces.map((n: { namespace: string }) => n.namespace)).toContain('ns-basic');
    const shown = await req('GET', 'namespaces/ns-basic');
    expect(shown.body.resource_type_associations[0].name).toBe('OS::Glance::Image');
    expect((await req('DELETE', 'namespaces/ns-basic')).status).toBe(403);
    const updated = await req('PUT', 'namespaces/ns-basic', { namespace: 'ns-basic', visibility: 'private', protected: false, description: 'Tempest' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ visibility: 'private', protected: false });
    // A private namespace of another project is invisible to a member.
    expect((await req('GET', 'namespaces/ns-basic', undefined, member.token)).status).toBe(404);
    expect((await req('DELETE', 'namespaces/ns-basic')).status).toBe(204);
    expect((await req('GET', 'namespaces/ns-basic')).status).toBe(404);
  });

  it('refuses changes from non-admins (metadef_admin)', async () => {
    expect((await req('POST', 'namespaces', { namespace: 'ns-member' }, member.token)).status).toBe(403);
  });

  it('manages objects, properties, tags and resource type associations of a namespace', async () => {
    expect((await req('POST', 'namespaces', { namespace: 'ns-kids', visibility: 'public' })).status).toBe(201);
    const obj = await req('POST', 'namespaces/ns-kids/objects', { name: 'obj1', description: 'd', properties: { speed: { title: 's', type: 'integer' } } });
    expect(obj.status, JSON.stringify(obj.body)).toBe(201);
    expect(obj.body).toMatchObject({ name: 'obj1', description: 'd', schema: '/v2/schemas/metadefs/object' });
    expect((await req('GET', 'namespaces/ns-kids/objects/obj1')).body.properties.speed.type).toBe('integer');
    expect((await req('PUT', 'namespaces/ns-kids/objects/obj1', { name: 'obj2' })).body.name).toBe('obj2');
    expect((await req('GET', 'namespaces/ns-kids/objects')).body.objects.map((o: { name: string }) => o.name)).toEqual(['obj2']);
    expect((await req('DELETE', 'namespaces/ns-kids/objects/obj2')).status).toBe(204);
    expect((await req('GET', 'namespaces/ns-kids/objects/obj2')).status).toBe(404);

    const assoc = await req('POST', 'namespaces/ns-kids/resource_types', { name: 'OS::Nova::Flavor', prefix: 'hw:' });
    expect(assoc.status).toBe(201);
    expect(assoc.body).toMatchObject({ name: 'OS::Nova::Flavor', prefix: 'hw:' });
    expect((await req('GET', 'namespaces/ns-kids/resource_types')).body.resource_type_associations.map((a: { name: string }) => a.name)).toEqual(['OS::Nova::Flavor']);
    expect((await req('DELETE', 'namespaces/ns-kids/resource_types/OS::Nova::Flavor')).status).toBe(204);
    expect((await req('GET', 'namespaces/ns-kids/resource_types')).body.resource_type_associations).toEqual([]);

    const prop = await req('POST', 'namespaces/ns-kids/properties', { name: 'OS::Glance::Image', title: 'hyp', type: 'string', enum: ['kvm', 'qemu'] });
    expect(prop.status, JSON.stringify(prop.body)).toBe(201);
    expect(prop.body).toEqual({ name: 'OS::Glance::Image', title: 'hyp', type: 'string', enum: ['kvm', 'qemu'] });
    expect((await req('POST', 'namespaces/ns-kids/properties', { name: 'p', type: 'string' })).status).toBe(400);
    const upd = await req('PUT', 'namespaces/ns-kids/properties/OS::Glance::Image', { name: 'OS::Glance::Image', title: 'hyp2', type: 'string' });
    expect(upd.body.title).toBe('hyp2');
    expect(Object.keys((await req('GET', 'namespaces/ns-kids/properties')).body.properties)).toEqual(['OS::Glance::Image']);
    expect((await req('DELETE', 'namespaces/ns-kids/properties/OS::Glance::Image')).status).toBe(204);
    expect((await req('GET', 'namespaces/ns-kids/properties')).body.properties).toEqual({});

    const tags = await req('POST', 'namespaces/ns-kids/tags', { tags: [{ name: 't1' }, { name: 't2' }, { name: 't3' }] });
    expect(tags.status).toBe(201);
    expect((await req('GET', 'namespaces/ns-kids/tags')).body.tags.length).toBe(3);
    expect((await req('POST', 'namespaces/ns-kids/tags/t4')).status).toBe(201);
    expect((await req('PUT', 'namespaces/ns-kids/tags/t4', { name: 't5' })).body.name).toBe('t5');
    expect((await req('GET', 'namespaces/ns-kids/tags/t5')).body.name).toBe('t5');
    expect((await req('DELETE', 'namespaces/ns-kids/tags/t5')).status).toBe(204);
    expect((await req('DELETE', 'namespaces/ns-kids/tags')).status).toBe(204);
    expect((await req('GET', 'namespaces/ns-kids/tags')).body.tags).toEqual([]);
    expect((await req('DELETE', 'namespaces/ns-kids')).status).toBe(204);
  });

  it('filters namespaces by resource type and pages them with a marker', async () => {
    for (const n of ['pg-a', 'pg-b', 'pg-c']) {
      expect((await req('POST', 'namespaces', { namespace: n, visibility: 'public', resource_type_associations: n === 'pg-b' ? [] : [{ name: 'OS::Cinder::Volume' }] })).status).toBe(201);
    }
    const names = (r: { body: { namespaces: Array<{ namespace: string }> } }) => r.body.namespaces.map((n) => n.namespace);
    const byType = await req('GET', 'namespaces?resource_types=OS::Cinder::Volume&sort_key=namespace&sort_dir=asc');
    expect(names(byType)).toEqual(['pg-a', 'pg-c']);
    const first = await req('GET', 'namespaces?limit=1&resource_types=OS::Cinder::Volume&sort_key=namespace&sort_dir=asc');
    expect(names(first)).toEqual(['pg-a']);
    // Glance's links keep the query, with the marker set (next) or dropped (first)
    expect(first.body.next).toBe('/v2/metadefs/namespaces?limit=1&resource_types=OS%3A%3ACinder%3A%3AVolume&sort_key=namespace&sort_dir=asc&marker=pg-a');
    expect(first.body.first).toBe('/v2/metadefs/namespaces?limit=1&resource_types=OS%3A%3ACinder%3A%3AVolume&sort_key=namespace&sort_dir=asc');
    const rest = await req('GET', first.body.next.replace('/v2/metadefs/', ''));
    expect(names(rest)).toEqual(['pg-c']);
    // a marker outside the filter still places the page: after pg-b comes pg-c
    expect(names(await req('GET', 'namespaces?marker=pg-b&resource_types=OS::Cinder::Volume&sort_key=namespace&sort_dir=asc'))).toEqual(['pg-c']);
    expect((await req('GET', 'namespaces?marker=pg-nope')).status).toBe(404);
    for (const n of ['pg-a', 'pg-b', 'pg-c']) await req('DELETE', `namespaces/${n}`);
  });

  it('sorts namespaces by sort_key and sort_dir, newest first by default, as Glance', async () => {
    const made = [
      { namespace: 'st-1', display_name: 'Charlie' },
      { namespace: 'st-2', display_name: 'Alpha' },
      { namespace: 'st-3', display_name: 'Bravo' },
    ];
    for (const m of made) expect((await req('POST', 'namespaces', { ...m, visibility: 'public' })).status).toBe(201);
    const ours = (r: { body: { namespaces: Array<{ namespace: string }> } }) => r.body.namespaces.map((n) => n.namespace).filter((n) => n.startsWith('st-'));
    expect(ours(await req('GET', 'namespaces?sort_key=display_name&sort_dir=asc'))).toEqual(['st-2', 'st-3', 'st-1']);
    expect(ours(await req('GET', 'namespaces?sort_key=display_name&sort_dir=desc'))).toEqual(['st-1', 'st-3', 'st-2']);
    expect(ours(await req('GET', 'namespaces?sort_key=namespace'))).toEqual(['st-3', 'st-2', 'st-1']);
    // default: created_at descending (ties broken the same way in both directions)
    const ascending = ours(await req('GET', 'namespaces?sort_key=created_at&sort_dir=asc'));
    expect(ascending.slice().sort()).toEqual(['st-1', 'st-2', 'st-3']);
    expect(ours(await req('GET', 'namespaces'))).toEqual(ascending.slice().reverse());
    // a page of two by display name, then the rest after its marker
    const page = await req('GET', 'namespaces?sort_key=display_name&sort_dir=asc&visibility=public&limit=2');
    expect(page.body.namespaces).toHaveLength(2);
    const after = await req('GET', page.body.next.replace('/v2/metadefs/', ''));
    const all = ours(await req('GET', 'namespaces?sort_key=display_name&sort_dir=asc&visibility=public'));
    expect([...ours(page), ...ours(after)]).toEqual(all);

    for (const [query, message] of [
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['sort_key=bogus', 'Invalid sort key: bogus'],
      ['limit=-1', 'limit param must be positive'],
      ['limit=x', 'limit param must be an integer'],
      ['visibility=shared', 'Invalid visibility value: shared'],
    ]) {
      const r = await req('GET', `namespaces?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.message).toContain(message);
    }
    for (const m of made) await req('DELETE', `namespaces/${m.namespace}`);
  });

  it('refuses names that are not valid Unicode with 400 and stores nothing', async () => {
    expect((await req('POST', 'namespaces', { namespace: 'ns-unicode', visibility: 'public' })).status).toBe(201);
    for (const [path, body] of [
      ['namespaces', { namespace: '\udfff\ud800' }],
      ['namespaces/ns-unicode/properties', { name: 'a\ud800', type: 'string', title: 'T' }],
      ['namespaces/ns-unicode/objects', { name: '\udc00' }],
      ['namespaces/ns-unicode/tags', { tags: [{ name: 'x\ud800' }] }],
    ] as const) {
      const r = await req('POST', path, body);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.code).toBe('400 Bad Request');
    }
    expect(Object.keys((await req('GET', 'namespaces/ns-unicode/properties')).body.properties)).toEqual([]);
    expect((await req('GET', 'namespaces/ns-unicode/objects')).body.objects).toEqual([]);
    expect((await req('GET', 'namespaces/ns-unicode/tags')).body.tags).toEqual([]);
    // Paired surrogates are ordinary characters.
    expect((await req('POST', 'namespaces/ns-unicode/objects', { name: 'rocket 🚀' })).status).toBe(201);
    await req('DELETE', 'namespaces/ns-unicode');
  });
});
