import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';

describe('identity: tokens', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity();
  });
  afterAll(async () => h.close());

  it('serves version discovery without auth', async () => {
    const root = await h.request('GET', '/');
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0].id).toBe('v3.14');
    const v3 = await h.request('GET', '/v3');
    expect(v3.status).toBe(200);
    expect(v3.body.version['media-types'][0].type).toBe('application/vnd.openstack.identity-v3+json');
  });

  it('issues a project-scoped token with roles and catalog', async () => {
    const { token, reply } = await h.passwordToken(
      { name: 'admin', password: h.adminPassword },
      { project: { name: 'admin', domain: { name: 'Default' } } },
    );
    expect(reply.status).toBe(201);
    expect(token.length).toBeGreaterThan(100);
    expect(reply.body.token.project.id).toBe(h.adminProjectId);
    expect(reply.body.token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(reply.body.token.catalog[0].type).toBe('identity');
    expect(reply.headers['x-openstack-request-id']).toMatch(/^req-/);
  });

  it('answers an unknown user and a wrong password with the same 401', async () => {
    const unknown = await h.passwordToken({ name: 'nobody', password: 'x' });
    const wrong = await h.passwordToken({ name: 'admin', password: 'wrong' });
    expect(unknown.reply.status).toBe(401);
    expect(wrong.reply.status).toBe(401);
    expect(unknown.reply.body).toEqual(wrong.reply.body);
    expect(wrong.reply.body.error.code).toBe(401);
  });

  it('validates, checks and revokes a token', async () => {
    const { token } = await h.passwordToken({ name: 'admin', password: h.adminPassword });
    const get = await h.request('GET', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(get.status).toBe(200);
    expect(get.body.token.user.name).toBe('admin');
    const head = await h.request('HEAD', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(head.status).toBe(200);
    const del = await h.request('DELETE', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(del.status).toBe(204);
    const after = await h.request('GET', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(after.status).toBe(404);
    const asAuth = await h.request('GET', '/v3/auth/catalog', { token });
    expect(asAuth.status).toBe(401);
  });

  it('rejects malformed JSON and wrong types with 400 naming the field', async () => {
    const bad = await h.request('POST', '/v3/auth/tokens', { rawBody: '{"auth": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(400);
    const wrongType = await h.request('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: 'password' } } },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('identity.methods');
  });

  it('rescopes an unscoped token and keeps the audit chain', async () => {
    const unscoped = await h.passwordToken({ name: 'admin', password: h.adminPassword });
    expect(unscoped.reply.body.token.project).toBeUndefined();
    const rescoped = await h.request('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: { methods: ['token'], token: { id: unscoped.token } },
          scope: { project: { id: h.adminProjectId } },
        },
      },
    });
    expect(rescoped.status).toBe(201);
    expect([...rescoped.body.token.methods].sort()).toEqual(['password', 'token']);
    expect(rescoped.body.token.audit_ids[1]).toBe(unscoped.reply.body.token.audit_ids[0]);
    expect(rescoped.body.token.expires_at).toBe(unscoped.reply.body.token.expires_at);
  });

  it('issues a system-scoped token to the bootstrap admin', async () => {
    const sys = await h.passwordToken({ name: 'admin', password: h.adminPassword }, { system: { all: true } });
    expect(sys.reply.status).toBe(201);
    expect(sys.reply.body.token.system).toEqual({ all: true });
    const system = await h.request('GET', '/v3/auth/system', { token: sys.token });
    expect(system.body.system).toEqual([{ all: true }]);
  });

  it('answers 404 in Keystone format for unknown paths and 405 for wrong methods', async () => {
    const missing = await h.request('GET', '/v3/nothing-here', { token: h.adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.title).toBe('Not Found');
    const wrongMethod = await h.request('PUT', '/v3/auth/tokens', { token: h.adminToken });
    expect(wrongMethod.status).toBe(405);
  });

  it('lists revocation events through OS-REVOKE and answers 410 for the PKI revocation list', async () => {
    const { token, reply } = await h.passwordToken({ name: 'admin', password: h.adminPassword });
    await h.request('DELETE', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    const events = await h.request('GET', '/v3/OS-REVOKE/events', { token: h.adminToken });
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { audit_id?: string }) => e.audit_id)).toContain(reply.body.token.audit_ids[0]);
    const later = await h.request('GET', '/v3/OS-REVOKE/events?since=2999-01-01T00:00:00Z', { token: h.adminToken });
    expect(later.body.events).toEqual([]);
    const bad = await h.request('GET', '/v3/OS-REVOKE/events?since=yesterday', { token: h.adminToken });
    expect(bad.status).toBe(400);
    const pki = await h.request('GET', '/v3/auth/tokens/OS-PKI/revoked', { token: h.adminToken });
    expect(pki.status).toBe(410);
  });

  it('serves the federation spelling of the projects and domains a user can scope to', async () => {
    const projects = await h.request('GET', '/v3/OS-FEDERATION/projects', { token: h.adminToken });
    expect(projects.body.projects.map((p: { id: string }) => p.id)).toContain(h.adminProjectId);
    const auth = await h.request('GET', '/v3/auth/projects', { token: h.adminToken });
    expect(projects.body.projects).toEqual(auth.body.projects);
    const domains = await h.request('GET', '/v3/OS-FEDERATION/domains', { token: h.adminToken });
    expect(domains.status).toBe(200);
  });
});
