import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { createDomain, createProject, seedMember } from './fixtures.ts';

const customConfig = {
  identity: { driver: 'ldap' },
  ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=my_new_root,dc=org' },
};

describe('identity: domain configuration', () => {
  let h: IdentityHarness;
  const admin = () => ({ token: h.adminToken });
  beforeAll(async () => {
    h = await startIdentity({ settings: { password_regex: '^.{8,}$' } });
  });
  afterAll(async () => h.close());

  it('creates a configuration and shows it whole, by group and by option', async () => {
    const d = await createDomain(h);
    const url = `/v3/domains/${d.id}/config`;
    const created = await h.request('PUT', url, { ...admin(), body: { config: customConfig } });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual(customConfig);
    expect((await h.request('GET', url, admin())).body.config).toEqual(customConfig);
    expect((await h.request('GET', `${url}/ldap`, admin())).body.config).toEqual({
      ldap: customConfig.ldap,
    });
    expect((await h.request('GET', `${url}/ldap/url`, admin())).body.config).toEqual({
      url: customConfig.ldap.url,
    });
    // A second create replaces the whole document and answers 200.
    const replaced = await h.request('PUT', url, {
      ...admin(),
      body: { config: { identity: { driver: 'sql' } } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.config).toEqual({ identity: { driver: 'sql' } });
    expect((await h.request('GET', `${url}/ldap`, admin())).status).toBe(404);
  });

  it('updates the document, a group and an option, and deletes them', async () => {
    const d = await createDomain(h);
    const url = `/v3/domains/${d.id}/config`;
    await h.request('PUT', url, { ...admin(), body: { config: customConfig } });
    const whole = await h.request('PATCH', url, {
      ...admin(),
      body: { config: { ldap: { url: 'ldap://other/' } } },
    });
    expect(whole.status).toBe(200);
    expect(whole.body.config.ldap).toEqual({ ...customConfig.ldap, url: 'ldap://other/' });

    const group = await h.request('PATCH', `${url}/identity`, {
      ...admin(),
      body: { config: { identity: { driver: 'drv', list_limit: 42 } } },
    });
    expect(group.status).toBe(200);
    expect(group.body.config.identity).toEqual({ driver: 'drv', list_limit: 42 });
    const option = await h.request('PATCH', `${url}/identity/driver`, {
      ...admin(),
      body: { config: { driver: 'drv2' } },
    });
    expect(option.body.config.identity.driver).toBe('drv2');

    // Partial updates name only the group or option of the URL, which must exist already.
    expect(
      (await h.request('PATCH', `${url}/identity`, { ...admin(), body: { config: customConfig } }))
        .status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', `${url}/identity/driver`, {
          ...admin(),
          body: { config: { list_limit: 1 } },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', `${url}/ldap/user`, {
          ...admin(),
          body: { config: { user: 'cn=x' } },
        })
      ).status,
    ).toBe(404);

    expect((await h.request('DELETE', `${url}/identity/driver`, admin())).status).toBe(204);
    expect((await h.request('GET', `${url}/identity/driver`, admin())).status).toBe(404);
    expect((await h.request('DELETE', `${url}/identity/driver`, admin())).status).toBe(404);
    expect((await h.request('DELETE', `${url}/identity`, admin())).status).toBe(204);
    expect((await h.request('GET', `${url}/identity`, admin())).status).toBe(404);
    expect((await h.request('DELETE', url, admin())).status).toBe(204);
    expect((await h.request('GET', url, admin())).status).toBe(404);
  });

  it('refuses unsupported groups and options and empty documents with 403', async () => {
    const d = await createDomain(h);
    const url = `/v3/domains/${d.id}/config`;
    for (const config of [
      {},
      { nova: { x: 1 } },
      { ldap: { nonsense: 1 } },
      { ldap: {} },
      { ldap: 'url' },
      undefined,
    ]) {
      const r = await h.request('PUT', url, { ...admin(), body: { config } });
      expect(r.status).toBe(403);
    }
    expect((await h.request('GET', `${url}/nova`, admin())).status).toBe(403);
    expect((await h.request('GET', `${url}/ldap/nonsense`, admin())).status).toBe(403);
    expect((await h.request('GET', `/v3/domains/${newId()}/config`, admin())).status).toBe(404);
    expect(
      (
        await h.request('PUT', `/v3/domains/${newId()}/config`, {
          ...admin(),
          body: { config: customConfig },
        })
      ).status,
    ).toBe(404);
  });

  it('stores sensitive options without ever returning them', async () => {
    const d = await createDomain(h);
    const url = `/v3/domains/${d.id}/config`;
    const created = await h.request('PUT', url, {
      ...admin(),
      body: { config: { ldap: { url: 'ldap://x', password: 'secret' } } },
    });
    expect(created.body.config).toEqual({ ldap: { url: 'ldap://x' } });
    expect((await h.request('GET', `${url}/ldap/password`, admin())).status).toBe(404);
    const updated = await h.request('PATCH', `${url}/ldap/password`, {
      ...admin(),
      body: { config: { password: 'new' } },
    });
    expect(updated.status).toBe(200);
    expect(JSON.stringify(updated.body)).not.toContain('new"');
    const row = await h.env.db
      .selectFrom('identity_domain_config')
      .selectAll()
      .where('domain_id', '=', d.id)
      .where('option_name', '=', 'password')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ value: '"new"', sensitive: 1 });
  });

  it('shows the default configuration', async () => {
    const all = await h.request('GET', '/v3/domains/config/default', admin());
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.config).sort()).toEqual(['identity', 'ldap']);
    expect(all.body.config.identity).toEqual({ driver: 'sql', list_limit: null });
    expect(all.body.config.ldap.password).toBeUndefined();
    const group = await h.request('GET', '/v3/domains/config/ldap/default', admin());
    expect(group.body.config.ldap.url).toBe('ldap://localhost');
    const option = await h.request('GET', '/v3/domains/config/ldap/user_tree_dn/default', admin());
    expect(option.body.config).toEqual({ user_tree_dn: null });
    expect(
      (await h.request('GET', '/v3/domains/config/ldap/password/default', admin())).status,
    ).toBe(403);
    expect((await h.request('GET', '/v3/domains/config/nova/default', admin())).status).toBe(403);
  });

  it('lets anyone read the password rules of the default domain only', async () => {
    const p = await createProject(h);
    const { token } = await seedMember(h, { projectId: p.id });
    const all = await h.request('GET', '/v3/domains/default/config/security_compliance', { token });
    expect(all.status).toBe(200);
    expect(all.body.config).toEqual({
      security_compliance: { password_regex: '^.{8,}$', password_regex_description: null },
    });
    const one = await h.request(
      'GET',
      '/v3/domains/default/config/security_compliance/password_regex',
      { token },
    );
    expect(one.body.config).toEqual({ password_regex: '^.{8,}$' });
    expect(
      (
        await h.request('GET', '/v3/domains/default/config/security_compliance/lockout_duration', {
          token,
        })
      ).status,
    ).toBe(403);
    const d = await createDomain(h);
    expect(
      (await h.request('GET', `/v3/domains/${d.id}/config/security_compliance`, { token })).status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', '/v3/domains/default/config/security_compliance', {
          ...admin(),
          body: { config: {} },
        })
      ).status,
    ).toBe(403);
    // The rest of the API is for administrators.
    expect((await h.request('GET', '/v3/domains/default/config', { token })).status).toBe(403);
    expect((await h.request('GET', '/v3/domains/config/default', { token })).status).toBe(403);
    expect(
      (
        await h.request('PUT', `/v3/domains/${d.id}/config`, {
          token,
          body: { config: customConfig },
        })
      ).status,
    ).toBe(403);
  });
});

describe('identity: domain configuration turned off', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ settings: { domain_configurations_from_database: false } });
  });
  afterAll(async () => h.close());

  it('serves no configuration routes', async () => {
    expect(
      (await h.request('GET', '/v3/domains/config/default', { token: h.adminToken })).status,
    ).toBe(404);
    const put = await h.request('PUT', '/v3/domains/default/config', {
      token: h.adminToken,
      body: { config: customConfig },
    });
    expect(put.status).toBe(404);
  });
});
