import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { HttpTokenValidator } from '../http-token-validator.ts';

// A service in another process validates tokens over identity's HTTP API.
describe('identity: remote token validation', () => {
  let h: IdentityHarness;
  let url: string;
  beforeAll(async () => {
    h = await startIdentity();
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => h.close());

  const validator = () =>
    new HttpTokenValidator({
      authUrl: `${url}/v3`,
      username: 'admin',
      password: h.adminPassword,
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    });

  it('turns a valid token into the caller context', async () => {
    const { token } = await h.passwordToken(
      { name: 'admin', password: h.adminPassword },
      { project: { name: 'admin', domain: { id: 'default' } } },
    );
    const ctx = await validator().validate(token);
    expect(ctx.userName).toBe('admin');
    expect(ctx.scope.kind).toBe('project');
    expect(ctx.roles.map((r) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(ctx.isAdminProject).toBe(true);
  });

  it('answers 401 for a revoked token', async () => {
    const { token } = await h.passwordToken({ name: 'admin', password: h.adminPassword });
    await h.request('DELETE', '/v3/auth/tokens', { token: h.adminToken, headers: { 'x-subject-token': token } });
    await expect(validator().validate(token)).rejects.toMatchObject({ status: 401 });
  });

  it('answers 503 when its service credentials are refused', async () => {
    const bad = new HttpTokenValidator({
      authUrl: url,
      username: 'admin',
      password: 'wrong',
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    });
    await expect(bad.validate(h.adminToken)).rejects.toMatchObject({ status: 503 });
  });
});
