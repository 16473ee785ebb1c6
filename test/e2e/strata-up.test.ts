import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/observability/index.ts';
import { startCloud, type RunningCloud } from '../../src/cli/cloud.ts';
import { freePortOverrides } from '../support/free-port-env.ts';

// `strata up` as a user runs it: the first start bootstraps and writes client config, a
// restart reuses the data (same admin, same password, tokens still valid).
describe('strata up', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-up-'));
  const opts = {
    dataDir,
    logger: silentLogger(),
    env: {},
    overrides: { ...freePortOverrides(), identity: { port: 0, password_hash_rounds: 4 } },
  };
  let cloud: RunningCloud | undefined;
  afterAll(async () => {
    await cloud?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function token(authUrl: string, password: string) {
    const res = await fetch(`${authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    return { status: res.status, token: res.headers.get('x-subject-token') ?? '', body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  it('bootstraps on first start and writes clouds.yaml and openrc that work', async () => {
    cloud = await startCloud(opts);
    const clouds = parseYaml(fs.readFileSync(cloud.cloudsYaml, 'utf8'));
    const auth = clouds.clouds.strata.auth;
    expect(auth.auth_url).toBe(cloud.authUrl);
    expect(fs.readFileSync(cloud.openrc, 'utf8')).toContain(`OS_AUTH_URL=${cloud.authUrl}`);
    expect(fs.statSync(cloud.cloudsYaml).mode & 0o077).toBe(0);
    const t = await token(cloud.authUrl, auth.password);
    expect(t.status).toBe(201);
    const identity = t.body.token.catalog.find((s: { type: string }) => s.type === 'identity');
    expect(identity.endpoints.map((e: { url: string }) => e.url)).toContain(cloud.authUrl);
    const metrics = await fetch(`${cloud.authUrl.replace(/\/v3$/, '')}/metrics`);
    expect(await metrics.text()).toContain('strata_http_requests_total');
    const health = await fetch(`${cloud.authUrl.replace(/\/v3$/, '')}/healthcheck`);
    expect(health.status).toBe(200);
  });

  it('reuses the data on a restart: same admin and password, earlier tokens still valid', async () => {
    const first = cloud!;
    const before = await token(first.authUrl, first.adminPassword);
    const userId = before.body.token.user.id;
    await first.close();
    cloud = await startCloud(opts);
    expect(cloud.adminPassword).toBe(first.adminPassword);
    const after = await token(cloud.authUrl, cloud.adminPassword);
    expect(after.status).toBe(201);
    expect(after.body.token.user.id).toBe(userId);
    const check = await fetch(`${cloud.authUrl}/auth/tokens`, {
      headers: { 'x-auth-token': after.token, 'x-subject-token': before.token },
    });
    expect(check.status).toBe(200);
  });

  it('fails at start with a message naming a bad option', async () => {
    await expect(
      startCloud({ ...opts, dataDir: path.join(dataDir, 'other'), env: { STRATA_IDENTITY__TOKEN_EXPIRATION: 'soon' } }),
    ).rejects.toThrow(/identity\.token_expiration/);
  });
});
