import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeClient, type ComputeCloud } from './compute-cloud.ts';

describe('compute API: flavors', () => {
  let c: ComputeCloud;
  let member: ComputeClient;
  const names = (r: { body: { flavors: { name: string }[] } }) => r.body.flavors.map((f) => f.name);

  beforeAll(async () => {
    c = await startComputeCloud();
    member = await c.member();
    for (const [id, ram, disk] of [
      ['f1', 512, 1],
      ['f2', 1024, 10],
      ['f3', 2048, 20],
      ['f4', 4096, 40],
    ] as const) {
      const r = await c.admin.call('POST', 'flavors', {
        body: { flavor: { id, name: `m-${id}`, ram, vcpus: 1, disk } },
      });
      expect(r.status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => c?.close());

  it("creates with Nova's defaults and string numbers, shows, and lists detail with the 2.1 view", async () => {
    const r = await c.admin.call('POST', 'flavors', {
      body: {
        flavor: {
          name: 'strings',
          ram: '1024',
          vcpus: '2',
          disk: '5',
          'os-flavor-access:is_public': 'True',
        },
      },
    });
    expect(r.status).toBe(200);
    const f = r.body.flavor;
    expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(f).toMatchObject({
      name: 'strings',
      ram: 1024,
      vcpus: 2,
      disk: 5,
      swap: '',
      rxtx_factor: 1,
      'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false,
      'os-flavor-access:is_public': true,
    });
    expect(f).not.toHaveProperty('description');
    expect(f.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'bookmark']);
    const shown = await member.call('GET', `flavors/${f.id}`);
    expect(shown.body.flavor).toEqual(f);
    const list = await member.call('GET', 'flavors');
    expect(list.body.flavors.find((x: { id: string }) => x.id === f.id)).toEqual({
      id: f.id,
      name: 'strings',
      links: f.links,
    });
  });

  it('keeps integer and given ids, and refuses duplicates with 409', async () => {
    const int = await c.admin.call('POST', 'flavors', {
      body: { flavor: { id: 1234, name: 'int-id', ram: 64, vcpus: 1, disk: 0 } },
    });
    expect(int.body.flavor.id).toBe('1234');
    const dupName = await c.admin.call('POST', 'flavors', {
      body: { flavor: { name: 'int-id', ram: 64, vcpus: 1, disk: 0 } },
    });
    expect(dupName.status).toBe(409);
    expect(dupName.body.conflictingRequest.message).toBe('Flavor with name int-id already exists.');
    const dupId = await c.admin.call('POST', 'flavors', {
      body: { flavor: { id: '1234', name: 'other', ram: 64, vcpus: 1, disk: 0 } },
    });
    expect(dupId.status).toBe(409);
    expect(dupId.body.conflictingRequest.message).toBe('Flavor with ID 1234 already exists.');
  });

  it('refuses bad bodies with 400 and members with 403, writing nothing', async () => {
    for (const flavor of [
      { name: 'bad-ram', ram: 0, vcpus: 1, disk: 0 },
      { name: 'bad-vcpus', ram: 64, vcpus: -1, disk: 0 },
      { name: ' spaced', ram: 64, vcpus: 1, disk: 0 },
      { name: 'no-disk', ram: 64, vcpus: 1 },
      { name: 'rxtx', ram: 64, vcpus: 1, disk: 0, rxtx_factor: 0 },
      { name: 'bad-id', id: 'a/b', ram: 64, vcpus: 1, disk: 0 },
      { name: 'extra', ram: 64, vcpus: 1, disk: 0, color: 'red' },
      { name: 'desc-too-early', ram: 64, vcpus: 1, disk: 0, description: 'x' },
    ]) {
      const r = await c.admin.call('POST', 'flavors', { body: { flavor } });
      expect(r.status, flavor.name).toBe(400);
      expect(r.body.badRequest.code).toBe(400);
    }
    const denied = await member.call('POST', 'flavors', {
      body: { flavor: { name: 'mine', ram: 64, vcpus: 1, disk: 0 } },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.forbidden.code).toBe(403);
    const all = await c.admin.call('GET', 'flavors?is_public=none');
    expect(names(all)).not.toContain('mine');
    expect(
      names(all).filter((n) =>
        ['bad-ram', 'bad-vcpus', 'no-disk', 'rxtx', 'bad-id', 'extra', 'desc-too-early'].includes(
          n,
        ),
      ),
    ).toEqual([]);
  });

  it('filters by minRam and minDisk, sorts, and pages with limit, marker and next links', async () => {
    const big = await member.call('GET', 'flavors/detail?minRam=2048&minDisk=20');
    expect(names(big).filter((n) => n.startsWith('m-f'))).toEqual(['m-f3', 'm-f4']);
    expect((await member.call('GET', 'flavors?minRam=lots')).status).toBe(400);
    const desc = await member.call('GET', 'flavors/detail?sort_key=memory_mb&sort_dir=desc');
    const rams = desc.body.flavors.map((f: { ram: number }) => f.ram);
    expect(rams).toEqual([...rams].sort((a: number, b: number) => b - a));
    expect((await member.call('GET', 'flavors?sort_key=colour')).status).toBe(400);
    const page1 = await member.call('GET', 'flavors?sort_key=name&limit=2&minDisk=1');
    expect(names(page1)).toEqual(['m-f1', 'm-f2']);
    const next = new URL(page1.body.flavors_links[0].href);
    expect(page1.body.flavors_links[0].rel).toBe('next');
    expect(next.searchParams.get('marker')).toBe('f2');
    expect(next.searchParams.get('sort_key')).toBe('name');
    const page2 = await member.call('GET', `flavors${next.search}`);
    expect(names(page2)).toEqual(['m-f3', 'm-f4']);
    const after = await member.call('GET', 'flavors/detail?sort_key=name&marker=f4&minDisk=1');
    expect(names(after)).toEqual(['strings']);
    expect(after.body.flavors_links).toBeUndefined();
    const badMarker = await member.call('GET', 'flavors?marker=nope');
    expect(badMarker.status).toBe(400);
    expect((await member.call('GET', 'flavors?limit=-1')).status).toBe(400);
  });

  it('hides private flavors from projects without access; admins choose with is_public', async () => {
    const r = await c.admin.call('POST', 'flavors', {
      body: {
        flavor: { name: 'secret', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false },
      },
    });
    const id = r.body.flavor.id;
    expect(r.body.flavor['os-flavor-access:is_public']).toBe(false);
    expect(names(await c.admin.call('GET', 'flavors/detail'))).not.toContain('secret');
    expect(names(await c.admin.call('GET', 'flavors/detail?is_public=false'))).toEqual(['secret']);
    expect(names(await c.admin.call('GET', 'flavors/detail?is_public=None'))).toContain('secret');
    expect(names(await member.call('GET', 'flavors/detail?is_public=false'))).not.toContain(
      'secret',
    );
    expect((await member.call('GET', `flavors/${id}`)).status).toBe(404);
    expect((await c.admin.call('GET', 'flavors?is_public=maybe')).status).toBe(400);
  });

  it('has descriptions from 2.55 (create, update, list), extra_specs in views from 2.61 and swap 0 from 2.75', async () => {
    const created = await c.admin.call('POST', 'flavors', {
      version: '2.55',
      body: { flavor: { name: 'described', ram: 64, vcpus: 1, disk: 0, description: 'first' } },
    });
    expect(created.status).toBe(200);
    const id = created.body.flavor.id;
    expect(created.body.flavor.description).toBe('first');
    expect(created.body.flavor).not.toHaveProperty('extra_specs');
    const updated = await c.admin.call('PUT', `flavors/${id}`, {
      version: '2.55',
      body: { flavor: { description: 'second' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.flavor.description).toBe('second');
    expect(
      (
        await c.admin.call('PUT', `flavors/${id}`, {
          version: '2.54',
          body: { flavor: { description: 'x' } },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await member.call('PUT', `flavors/${id}`, {
          version: '2.55',
          body: { flavor: { description: 'x' } },
        })
      ).status,
    ).toBe(403);
    const list = await member.call('GET', 'flavors', { version: '2.55' });
    expect(list.body.flavors.find((f: { id: string }) => f.id === id).description).toBe('second');
    await c.admin.call('POST', `flavors/${id}/os-extra_specs`, {
      body: { extra_specs: { 'hw:cpu_policy': 'shared' } },
    });
    const v261 = await member.call('GET', `flavors/${id}`, { version: '2.61' });
    expect(v261.body.flavor.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
    expect(v261.body.flavor.swap).toBe('');
    const v275 = await member.call('GET', 'flavors/detail', { version: '2.75' });
    const f = v275.body.flavors.find((x: { id: string }) => x.id === id);
    expect(f.swap).toBe(0);
    expect(f.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
  });

  it('deletes with 202 (with its extra specs), then 404', async () => {
    const r = await c.admin.call('POST', 'flavors', {
      body: {
        flavor: {
          name: 'doomed',
          ram: 64,
          vcpus: 1,
          disk: 0,
          swap: 512,
          rxtx_factor: 2.5,
          'OS-FLV-EXT-DATA:ephemeral': 3,
        },
      },
    });
    expect(r.body.flavor).toMatchObject({
      swap: 512,
      rxtx_factor: 2.5,
      'OS-FLV-EXT-DATA:ephemeral': 3,
    });
    const id = r.body.flavor.id;
    await c.admin.call('POST', `flavors/${id}/os-extra_specs`, {
      body: { extra_specs: { k: 'v' } },
    });
    expect((await member.call('DELETE', `flavors/${id}`)).status).toBe(403);
    expect((await c.admin.call('DELETE', `flavors/${id}`)).status).toBe(202);
    expect((await c.admin.call('GET', `flavors/${id}`)).status).toBe(404);
    expect((await c.admin.call('DELETE', `flavors/${id}`)).status).toBe(404);
    const again = await c.admin.call('POST', 'flavors', {
      body: { flavor: { id, name: 'doomed', ram: 64, vcpus: 1, disk: 0 } },
    });
    expect(again.status).toBe(200);
    expect((await c.admin.call('GET', `flavors/${id}/os-extra_specs`)).body.extra_specs).toEqual(
      {},
    );
  });
});
