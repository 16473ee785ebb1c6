import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';

// The identity store on every dialect: migrations apply, the bootstrap runs, and the token
// path (which touches users, projects, roles, assignments and the catalog) works.
describeEachDialect('identity store', (suite) => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ databaseUrl: suite.url });
  });
  afterAll(async () => h?.close());

  it('bootstraps and issues and validates a project token', async () => {
    const { token, reply } = await h.passwordToken(
      { name: 'admin', password: h.adminPassword },
      { project: { name: 'admin', domain: { id: 'default' } } },
    );
    expect(reply.status).toBe(201);
    const check = await h.request('GET', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(check.status).toBe(200);
    expect(check.body.token.roles.length).toBe(3);
  });

  it('records a revocation and refuses the token afterwards', async () => {
    const { token } = await h.passwordToken({ name: 'admin', password: h.adminPassword });
    const del = await h.request('DELETE', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(del.status).toBe(204);
    const check = await h.request('GET', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    expect(check.status).toBe(404);
  });
});
