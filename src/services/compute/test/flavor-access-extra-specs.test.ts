import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComputeCloud, type ComputeClient, type ComputeCloud } from './compute-cloud.ts';

describe('compute API: flavor access lists and extra specs', () => {
  let c: ComputeCloud;
  let member: ComputeClient;
  let privateId: string;
  let publicId: string;

  beforeAll(async () => {
    c = await startComputeCloud();
    member = await c.member();
    const priv = await c.admin.call('POST', 'flavors', {
      body: {
        flavor: {
          name: 'private',
          ram: 64,
          vcpus: 1,
          disk: 0,
          'os-flavor-access:is_public': false,
        },
      },
    });
    privateId = priv.body.flavor.id;
    const pub = await c.admin.call('POST', 'flavors', {
      body: { flavor: { name: 'public', ram: 64, vcpus: 1, disk: 0 } },
    });
    publicId = pub.body.flavor.id;
  }, 120_000);
  afterAll(async () => c?.close());

  it('shares a private flavor with a project, which then sees it, and takes it back', async () => {
    const add = await c.admin.call('POST', `flavors/${privateId}/action`, {
      body: { addTenantAccess: { tenant: member.projectId } },
    });
    expect(add.status).toBe(200);
    expect(add.body.flavor_access).toEqual([{ flavor_id: privateId, tenant_id: member.projectId }]);
    const list = await c.admin.call('GET', `flavors/${privateId}/os-flavor-access`);
    expect(list.body).toEqual(add.body);
    expect((await member.call('GET', `flavors/${privateId}`)).status).toBe(200);
    const names = (await member.call('GET', 'flavors')).body.flavors.map(
      (f: { name: string }) => f.name,
    );
    expect(names).toEqual(expect.arrayContaining(['private', 'public']));
    const dup = await c.admin.call('POST', `flavors/${privateId}/action`, {
      body: { addTenantAccess: { tenant: member.projectId } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.conflictingRequest.message).toBe(
      `Flavor access already exists for flavor ${privateId} and project ${member.projectId} combination.`,
    );
    const remove = await c.admin.call('POST', `flavors/${privateId}/action`, {
      body: { removeTenantAccess: { tenant: member.projectId } },
    });
    expect(remove.body.flavor_access).toEqual([]);
    expect((await member.call('GET', `flavors/${privateId}`)).status).toBe(404);
    const again = await c.admin.call('POST', `flavors/${privateId}/action`, {
      body: { removeTenantAccess: { tenant: member.projectId } },
    });
    expect(again.status).toBe(404);
    expect(again.body.itemNotFound.message).toBe(
      `Flavor access not found for ${privateId} / ${member.projectId} combination.`,
    );
  });

  it('keeps access lists to admins, refuses them for public flavors, and refuses adding to public ones from 2.7', async () => {
    expect((await member.call('GET', `flavors/${privateId}/os-flavor-access`)).status).toBe(403);
    expect(
      (
        await member.call('POST', `flavors/${privateId}/action`, {
          body: { addTenantAccess: { tenant: member.projectId } },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await member.call('POST', `flavors/${privateId}/action`, {
          body: { removeTenantAccess: { tenant: member.projectId } },
        })
      ).status,
    ).toBe(403);
    const pubList = await c.admin.call('GET', `flavors/${publicId}/os-flavor-access`);
    expect(pubList.status).toBe(404);
    expect(pubList.body.itemNotFound.message).toBe('Access list not available for public flavors.');
    const at27 = await c.admin.call('POST', `flavors/${publicId}/action`, {
      version: '2.7',
      body: { addTenantAccess: { tenant: 'p1' } },
    });
    expect(at27.status).toBe(409);
    expect(at27.body.conflictingRequest.message).toBe('Can not add access to a public flavor.');
    const at26 = await c.admin.call('POST', `flavors/${publicId}/action`, {
      version: '2.6',
      body: { addTenantAccess: { tenant: 'p1' } },
    });
    expect(at26.status).toBe(200);
    expect(
      (
        await c.admin.call('POST', `flavors/${privateId}/action`, {
          body: { grant: { tenant: 'p1' } },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await c.admin.call('POST', 'flavors/nope/action', {
          body: { addTenantAccess: { tenant: 'p1' } },
        })
      ).status,
    ).toBe(404);
  });

  it('sets, shows, updates and unsets extra specs; members may read but not write', async () => {
    const set = await c.admin.call('POST', `flavors/${publicId}/os-extra_specs`, {
      body: { extra_specs: { key1: 'value1', key2: 2, flag: true } },
    });
    expect(set.status).toBe(200);
    expect(set.body.extra_specs).toEqual({ key1: 'value1', key2: '2', flag: 'True' });
    expect(
      (await member.call('GET', `flavors/${publicId}/os-extra_specs`)).body.extra_specs,
    ).toEqual({ key1: 'value1', key2: '2', flag: 'True' });
    expect((await member.call('GET', `flavors/${publicId}/os-extra_specs/key1`)).body).toEqual({
      key1: 'value1',
    });
    const put = await c.admin.call('PUT', `flavors/${publicId}/os-extra_specs/key1`, {
      body: { key1: 'changed' },
    });
    expect(put.body).toEqual({ key1: 'changed' });
    const mismatch = await c.admin.call('PUT', `flavors/${publicId}/os-extra_specs/key1`, {
      body: { key2: 'x' },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.badRequest.message).toBe('Request body and URI mismatch');
    expect(
      (
        await c.admin.call('PUT', `flavors/${publicId}/os-extra_specs/key1`, {
          body: { key1: 'a', key2: 'b' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await member.call('POST', `flavors/${publicId}/os-extra_specs`, {
          body: { extra_specs: { k: 'v' } },
        })
      ).status,
    ).toBe(403);
    expect(
      (await member.call('PUT', `flavors/${publicId}/os-extra_specs/key1`, { body: { key1: 'v' } }))
        .status,
    ).toBe(403);
    expect((await member.call('DELETE', `flavors/${publicId}/os-extra_specs/key1`)).status).toBe(
      403,
    );
    expect((await c.admin.call('DELETE', `flavors/${publicId}/os-extra_specs/key1`)).status).toBe(
      200,
    );
    const gone = await c.admin.call('GET', `flavors/${publicId}/os-extra_specs/key1`);
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(
      `Flavor ${publicId} has no extra specs with key key1.`,
    );
    expect((await c.admin.call('DELETE', `flavors/${publicId}/os-extra_specs/key1`)).status).toBe(
      404,
    );
    expect(
      (
        await c.admin.call('POST', `flavors/${publicId}/os-extra_specs`, {
          body: { extra_specs: { 'bad/key': 'v' } },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await c.admin.call('POST', `flavors/${publicId}/os-extra_specs`, {
          body: { extra_specs: { k: 'v'.repeat(256) } },
        })
      ).status,
    ).toBe(400);
    expect((await c.admin.call('GET', 'flavors/nope/os-extra_specs')).status).toBe(404);
  });

  it('validates known namespaces from 2.86 only, leaving custom ones alone, and writes nothing on a refusal', async () => {
    const ok = await c.admin.call('POST', `flavors/${privateId}/os-extra_specs`, {
      version: '2.86',
      body: { extra_specs: { 'hw:cpu_policy': 'shared', 'foo:bar': 'baz' } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.extra_specs).toEqual({ 'hw:cpu_policy': 'shared', 'foo:bar': 'baz' });
    const bad = await c.admin.call('POST', `flavors/${privateId}/os-extra_specs`, {
      version: '2.86',
      body: { extra_specs: { 'hw:numa_nodes': '1', 'hw:cpu_policy': 'sharing' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toBe(
      "Validation failed; 'sharing' is not one of: dedicated, shared, mixed.",
    );
    const unknown = await c.admin.call('PUT', `flavors/${privateId}/os-extra_specs/hw:frobnicate`, {
      version: '2.86',
      body: { 'hw:frobnicate': '1' },
    });
    expect(unknown.status).toBe(400);
    expect(
      (await c.admin.call('GET', `flavors/${privateId}/os-extra_specs`)).body.extra_specs,
    ).toEqual({ 'hw:cpu_policy': 'shared', 'foo:bar': 'baz' });
    const before = await c.admin.call('PUT', `flavors/${privateId}/os-extra_specs/hw:frobnicate`, {
      version: '2.85',
      body: { 'hw:frobnicate': '1' },
    });
    expect(before.status).toBe(200);
  });
});
