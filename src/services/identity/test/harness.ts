import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../core/config/index.ts';
import { migrateToLatest, openDatabase, type Database } from '../../../core/db/index.ts';
import { PolicyEnforcer, personaPolicies } from '../../../core/auth/index.ts';
import { createProcessMetrics, HealthRegistry, silentLogger } from '../../../core/observability/index.ts';
import { buildService, processSections, type RunningService } from '../../../core/service/index.ts';
import { bootstrapIdentity, identityConfig, identityService, type IdentityEnv, type IdentityInstance } from '../index.ts';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON body, or undefined for an empty one. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface IdentityHarness {
  readonly app: FastifyInstance;
  readonly env: IdentityEnv;
  readonly adminPassword: string;
  readonly adminUserId: string;
  readonly adminProjectId: string;
  /** A project-scoped admin token (admin project). */
  readonly adminToken: string;
  request(
    method: string,
    url: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<Reply>;
  /** Issues a token with password auth; returns the token and the response. */
  passwordToken(
    user: { id?: string; name?: string; domainId?: string; password: string },
    scope?: Record<string, unknown>,
  ): Promise<{ token: string; reply: Reply }>;
  close(): Promise<void>;
}

/**
 * The identity service in process, on a fresh database (SQLite in a temp dir unless a URL
 * is given), bootstrapped like `strata up`, driven through HTTP with inject(). For service
 * functional tests: real core, policy and validation, nothing mocked.
 */
export async function startIdentity(
  opts: { databaseUrl?: string; settings?: Record<string, unknown> } = {},
): Promise<IdentityHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-identity-'));
  const config = loadConfig([...processSections, identityConfig], {
    env: {},
    overrides: { identity: { password_hash_rounds: 4, ...opts.settings } },
  });
  const db: Database = await openDatabase(opts.databaseUrl ?? `sqlite://${path.join(dir, 'identity.db')}`);
  await migrateToLatest(db, 'identity', identityService.migrations);
  const policy = new PolicyEnforcer({ defaults: [...personaPolicies, ...identityService.policies] });
  const svc: RunningService = await buildService(
    identityService,
    {
      config,
      db,
      logger: silentLogger(),
      metrics: createProcessMetrics({ defaultMetrics: false }),
      health: new HealthRegistry(),
      policy,
      dataDir: dir,
      peer: () => ({ url: undefined, local: undefined }),
    },
    { bodyLimit: 1_048_576 },
  );
  const instance = svc.instance as IdentityInstance;
  const env = instance.env;
  const adminPassword = 'Secret-Admin-Pass1';
  const boot = await bootstrapIdentity(env, {
    adminUser: 'admin',
    adminPassword,
    adminProject: 'admin',
    region: 'RegionOne',
    catalog: [{ type: 'identity', name: 'keystone', urls: { public: 'http://localhost/v3' } }],
  });

  const request: IdentityHarness['request'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers['x-auth-token'] = o.token;
    let payload: string | undefined;
    if (o.rawBody !== undefined) payload = o.rawBody;
    else if (o.body !== undefined) payload = JSON.stringify(o.body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const res = await svc.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    let body: unknown;
    if (res.body) {
      try {
        body = JSON.parse(res.body);
      } catch {
        body = res.body;
      }
    }
    return { status: res.statusCode, headers: res.headers, body };
  };

  const passwordToken: IdentityHarness['passwordToken'] = async (user, scope) => {
    const userRef: Record<string, unknown> = { password: user.password };
    if (user.id) userRef.id = user.id;
    if (user.name) {
      userRef.name = user.name;
      userRef.domain = { id: user.domainId ?? 'default' };
    }
    const reply = await request('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: userRef } }, ...(scope ? { scope } : {}) } },
    });
    return { token: String(reply.headers['x-subject-token'] ?? ''), reply };
  };

  const admin = await passwordToken(
    { name: 'admin', password: adminPassword },
    { project: { name: 'admin', domain: { id: 'default' } } },
  );
  if (admin.reply.status !== 201) throw new Error(`admin token failed: ${JSON.stringify(admin.reply.body)}`);

  return {
    app: svc.app,
    env,
    adminPassword,
    adminUserId: boot.adminUserId,
    adminProjectId: boot.adminProjectId,
    adminToken: admin.token,
    request,
    passwordToken,
    async close() {
      await svc.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
