import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test/support/test-cloud.ts';

const LATEST = { 'OpenStack-API-Version': 'volume 3.70' };

describe('block storage: volume types, extra specs, access, encryption, default types', () => {
  let cloud: TestCloud;
  let admin: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => ReturnType<TestCloud['request']>;
  let member: { userId: string; projectId: string; token: string };
  let asMember: typeof admin;

  beforeAll(async () => {
    cloud = await startTestCloud({ services: ['block-storage'] });
    admin = (method, path, body, headers) =>
      cloud.request(
        'block-storage',
        method,
        path.startsWith('/') ? path : `/v3/${cloud.adminProjectId}/${path}`,
        {
          token: cloud.adminToken,
          body,
          headers,
        },
      );
    member = await cloud.member();
    asMember = (method, path, body, headers) =>
      cloud.request('block-storage', method, `/v3/${member.projectId}/${path}`, {
        token: member.token,
        body,
        headers,
      });
  }, 60_000);
  afterAll(async () => cloud?.close());

  it('creates the default type at start and shows it as types/default', async () => {
    const list = await admin('GET', 'types');
    expect(list.status).toBe(200);
    expect(list.body.volume_types.map((t: { name: string }) => t.name)).toContain('__DEFAULT__');
    const def = await admin('GET', 'types/default');
    expect(def.status).toBe(200);
    expect(def.body.volume_type).toMatchObject({
      name: '__DEFAULT__',
      description: 'Default Volume Type',
      is_public: true,
    });
    const del = await admin('DELETE', `types/${def.body.volume_type.id}`);
    expect(del.status).toBe(400);
  });

  it('creates, shows, updates and deletes a type as Cinder answers', async () => {
    const created = await admin('POST', 'types', {
      volume_type: {
        name: 'gold',
        description: 'fast',
        extra_specs: { vendor_name: 'x' },
        'os-volume-type-access:is_public': true,
      },
    });
    expect(created.status).toBe(200);
    const t = created.body.volume_type;
    expect(t).toEqual({
      id: expect.any(String),
      name: 'gold',
      description: 'fast',
      is_public: true,
      extra_specs: { vendor_name: 'x' },
      'os-volume-type-access:is_public': true,
    });
    const shown = await admin('GET', `types/${t.id}`);
    expect(shown.body.volume_type).toEqual({ ...t, qos_specs_id: null });

    expect((await admin('POST', 'types', { volume_type: { name: 'gold' } })).status).toBe(409);
    expect((await admin('POST', 'types', { volume_type: { name: '' } })).status).toBe(400);
    expect((await admin('POST', 'types', { volume_type: { name: '   ' } })).status).toBe(400);

    const updated = await admin('PUT', `types/${t.id}`, {
      volume_type: { name: 'platinum', is_public: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.volume_type).toEqual({
      id: t.id,
      name: 'platinum',
      description: 'fast',
      is_public: false,
      extra_specs: { vendor_name: 'x' },
    });
    expect((await admin('PUT', `types/${t.id}`, { volume_type: {} })).status).toBe(400);

    expect((await admin('DELETE', `types/${t.id}`)).status).toBe(202);
    expect((await admin('GET', `types/${t.id}`)).status).toBe(404);
    expect((await admin('DELETE', `types/${t.id}`)).status).toBe(404);
  });

  it('lets only admins create types and hides private ones from other projects', async () => {
    expect((await asMember('POST', 'types', { volume_type: { name: 'mine' } })).status).toBe(403);
    const priv = (
      await admin('POST', 'types', {
        volume_type: { name: 'private-1', 'os-volume-type-access:is_public': false },
      })
    ).body.volume_type;
    expect((await asMember('GET', `types/${priv.id}`)).status).toBe(404);
    const names = async () =>
      (await asMember('GET', 'types')).body.volume_types.map((t: { name: string }) => t.name);
    expect(await names()).not.toContain('private-1');

    const add = await admin('POST', `types/${priv.id}/action`, {
      addProjectAccess: { project: member.projectId },
    });
    expect(add.status).toBe(202);
    expect(
      (
        await admin('POST', `types/${priv.id}/action`, {
          addProjectAccess: { project: member.projectId },
        })
      ).status,
    ).toBe(409);
    const access = await admin('GET', `types/${priv.id}/os-volume-type-access`);
    expect(access.body.volume_type_access).toEqual([
      { volume_type_id: priv.id, project_id: member.projectId },
    ]);
    expect(await names()).toContain('private-1');
    const seen = await asMember('GET', `types/${priv.id}`);
    expect(seen.status).toBe(200);
    // Members see neither qos_specs_id nor the sensitive extra specs.
    expect(seen.body.volume_type).not.toHaveProperty('qos_specs_id');
    expect(
      (
        await asMember('POST', `types/${priv.id}/action`, {
          removeProjectAccess: { project: member.projectId },
        })
      ).status,
    ).toBe(403);

    expect(
      (
        await admin('POST', `types/${priv.id}/action`, {
          removeProjectAccess: { project: member.projectId },
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await admin('POST', `types/${priv.id}/action`, {
          removeProjectAccess: { project: member.projectId },
        })
      ).status,
    ).toBe(404);
    expect((await asMember('GET', `types/${priv.id}`)).status).toBe(404);

    const isPublicFalse = await admin('GET', 'types?is_public=false');
    expect(isPublicFalse.body.volume_types.every((t: { is_public: boolean }) => !t.is_public)).toBe(
      true,
    );
    const all = await admin('GET', 'types?is_public=None');
    expect(all.body.volume_types.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['private-1', '__DEFAULT__']),
    );
    const pub = await admin('GET', 'types');
    expect(pub.body.volume_types.map((t: { name: string }) => t.name)).not.toContain('private-1');
  });

  it('manages extra specs with the checks of the negative tests', async () => {
    const t = (
      await admin('POST', 'types', {
        volume_type: { name: 'specs', extra_specs: { spec1: 'val1' } },
      })
    ).body.volume_type;
    expect(
      (
        await admin('POST', `types/${t.id}/extra_specs`, {
          extra_specs: { spec2: 'v2', multiattach: '<is> True' },
        })
      ).body,
    ).toEqual({
      extra_specs: { spec2: 'v2', multiattach: '<is> True' },
    });
    expect((await admin('GET', `types/${t.id}/extra_specs`)).body.extra_specs).toEqual({
      spec1: 'val1',
      spec2: 'v2',
      multiattach: '<is> True',
    });
    expect((await admin('GET', `types/${t.id}/extra_specs/spec2`)).body).toEqual({ spec2: 'v2' });
    expect((await admin('PUT', `types/${t.id}/extra_specs/spec2`, { spec2: 'v3' })).body).toEqual({
      spec2: 'v3',
    });
    expect((await admin('PUT', `types/${t.id}/extra_specs/spec2`, { spec1: 'v3' })).status).toBe(
      400,
    );
    expect(
      (await admin('PUT', `types/${t.id}/extra_specs/spec2`, { spec2: 'a', spec1: 'b' })).status,
    ).toBe(400);
    expect(
      (
        await cloud.request(
          'block-storage',
          'PUT',
          `/v3/${cloud.adminProjectId}/types/${t.id}/extra_specs/spec2`,
          {
            token: cloud.adminToken,
            rawBody: 'null',
            headers: { 'content-type': 'application/json' },
          },
        )
      ).status,
    ).toBe(400);
    expect((await admin('POST', `types/${t.id}/extra_specs`, { extra_specs: null })).status).toBe(
      400,
    );
    expect(
      (await admin('POST', `types/${t.id}/extra_specs`, { extra_specs: ['invalid'] })).status,
    ).toBe(400);
    expect((await admin('GET', `types/${t.id}/extra_specs/nope`)).status).toBe(404);
    const missing = '6bc3a3a8-9c0a-4b0c-a1c1-55b26b0e47e5';
    expect((await admin('GET', `types/${missing}/extra_specs`)).status).toBe(404);
    expect(
      (await admin('POST', `types/${missing}/extra_specs`, { extra_specs: { a: 'b' } })).status,
    ).toBe(404);
    expect((await admin('PUT', `types/${missing}/extra_specs/a`, { a: 'b' })).status).toBe(404);
    expect((await admin('DELETE', `types/${missing}/extra_specs/a`)).status).toBe(404);
    expect((await admin('DELETE', `types/${t.id}/extra_specs/spec2`)).status).toBe(202);
    expect((await admin('GET', `types/${t.id}/extra_specs/spec2`)).status).toBe(404);

    // Members read only the user-visible specs.
    const { body } = await asMember('GET', `types/${t.id}/extra_specs`);
    expect(body.extra_specs).toEqual({ multiattach: '<is> True' });
  });

  it('stores, updates and removes encryption of a type', async () => {
    const t = (await admin('POST', 'types', { volume_type: { name: 'luks' } })).body.volume_type;
    expect((await admin('GET', `types/${t.id}/encryption`)).body).toEqual({});
    const created = await admin('POST', `types/${t.id}/encryption`, {
      encryption: {
        provider: 'luks',
        key_size: 256,
        cipher: 'aes-xts-plain64',
        control_location: 'front-end',
      },
    });
    expect(created.status).toBe(200);
    expect(created.body.encryption).toEqual({
      provider: 'luks',
      key_size: 256,
      cipher: 'aes-xts-plain64',
      control_location: 'front-end',
      volume_type_id: t.id,
      encryption_id: expect.any(String),
    });
    expect(
      (
        await admin('POST', `types/${t.id}/encryption`, {
          encryption: { provider: 'x', control_location: 'front-end' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await admin('PUT', `types/${t.id}/encryption/provider`, {
          encryption: { key_size: '128', control_location: 'back-end' },
        })
      ).body,
    ).toEqual({
      encryption: { key_size: 128, control_location: 'back-end' },
    });
    const shown = (await admin('GET', `types/${t.id}/encryption`)).body;
    expect(shown).toMatchObject({
      volume_type_id: t.id,
      key_size: 128,
      control_location: 'back-end',
      provider: 'luks',
      deleted: false,
    });
    expect((await admin('GET', `types/${t.id}/encryption/cipher`)).body).toEqual({
      cipher: 'aes-xts-plain64',
    });
    expect((await admin('DELETE', `types/${t.id}/encryption/provider`)).status).toBe(202);
    expect((await admin('GET', `types/${t.id}/encryption`)).body).toEqual({});
    expect(
      (
        await admin('POST', 'types/0d6c1f6a-3c9e-4f7e-8d7e-3a8e8a1b2c3d/encryption', {
          encryption: { provider: 'luks', control_location: 'front-end' },
        })
      ).status,
    ).toBe(404);
    expect((await asMember('GET', `types/${t.id}/encryption`)).status).toBe(403);
  });

  it('sets, shows and unsets a project default type from 3.62', async () => {
    const t = (await admin('POST', 'types', { volume_type: { name: 'project-default' } })).body
      .volume_type;
    expect(
      (
        await admin('PUT', `/v3/default-types/${member.projectId}`, {
          default_type: { volume_type: t.name },
        })
      ).status,
    ).toBe(404);
    const set = await admin(
      'PUT',
      `/v3/default-types/${member.projectId}`,
      { default_type: { volume_type: t.name } },
      LATEST,
    );
    expect(set.status).toBe(200);
    expect(set.body.default_type).toEqual({ project_id: member.projectId, volume_type_id: t.id });
    expect(
      (await admin('GET', `/v3/default-types/${member.projectId}`, undefined, LATEST)).body
        .default_type.volume_type_id,
    ).toBe(t.id);
    expect(
      (await admin('GET', '/v3/default-types', undefined, LATEST)).body.default_types,
    ).toContainEqual({ project_id: member.projectId, volume_type_id: t.id });
    expect((await asMember('GET', 'types/default')).body.volume_type.id).toBe(t.id);
    expect((await admin('DELETE', `types/${t.id}`)).status).toBe(400);
    expect(
      (
        await admin(
          'PUT',
          `/v3/default-types/${member.projectId}`,
          { default_type: { volume_type: 'nope' } },
          LATEST,
        )
      ).status,
    ).toBe(400);
    expect(
      (await admin('DELETE', `/v3/default-types/${member.projectId}`, undefined, LATEST)).status,
    ).toBe(204);
    expect(
      (await admin('GET', `/v3/default-types/${member.projectId}`, undefined, LATEST)).status,
    ).toBe(404);
    expect((await asMember('GET', 'types/default')).body.volume_type.name).toBe('__DEFAULT__');
  });

  it('serves the same resources without the project id from 3.67', async () => {
    expect((await admin('GET', '/v3/types', undefined, LATEST)).status).toBe(200);
    expect((await admin('GET', '/v3/types')).status).toBe(404);
  });
});
