import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/observability/index.ts';
import { startCloud, type RunningCloud } from '../../src/cli/cloud.ts';
import type { ServiceDefinition } from '../../src/core/service/index.ts';

export interface TestReply {
  status: number;
  headers: Headers;
  /** Parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestCloud {
  readonly cloud: RunningCloud;
  readonly dataDir: string;
  /** Project-scoped admin token (admin project). */
  readonly adminToken: string;
  readonly adminProjectId: string;
  /** Public URL of a running service by type (identity: .../v3; block-storage: .../v3). */
  url(type: string): string;
  /** JSON request to a service: path relative to its URL (e.g. `volumes`), or absolute from `/`. */
  request(
    type: string,
    method: string,
    pathOrUrl: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string | Buffer | ReadableStream },
  ): Promise<TestReply>;
  /** A new user with `member` (implying reader) on a new project, and a token scoped to it. */
  member(role?: string): Promise<{ userId: string; projectId: string; token: string }>;
  close(): Promise<void>;
}

/**
 * The cloud as `strata up` runs it, in this process, on free ports and a temp data dir
 * (SQLite unless a database URL is given), for service functional tests that go through
 * HTTP exactly as clients do. `services` picks which run besides identity.
 */
export async function startTestCloud(
  opts: {
    services?: readonly string[];
    /** Services not registered in src/cli/services.ts yet, started as if they were (name them in `services` too). */
    extraServices?: readonly ServiceDefinition[];
    databaseUrl?: string;
    overrides?: Record<string, Record<string, unknown>>;
    /** Reuse this data directory (a restart of an earlier test cloud); it is kept on close. */
    dataDir?: string;
  } = {},
): Promise<TestCloud> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cloud-'));
  const services = ['identity', ...(opts.services ?? [])];
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const t of services) overrides[t] = { port: 0 };
  overrides.identity = { ...overrides.identity, password_hash_rounds: 4 };
  if (opts.databaseUrl) overrides.database = { url: opts.databaseUrl };
  for (const [section, values] of Object.entries(opts.overrides ?? {})) {
    overrides[section] = { ...overrides[section], ...values };
  }
  const cloud = await startCloud({ dataDir, logger: silentLogger(), env: {}, overrides, services, extraServices: opts.extraServices ?? [] });

  const url = (type: string) => {
    const u = cloud.endpoints[type];
    if (!u) throw new Error(`service ${type} is not running in this test cloud`);
    return u;
  };
  const request: TestCloud['request'] = async (type, method, pathOrUrl, o = {}) => {
    const target = pathOrUrl.startsWith('http')
      ? pathOrUrl
      : pathOrUrl.startsWith('/')
        ? new URL(pathOrUrl, url(type)).toString()
        : `${url(type)}/${pathOrUrl}`;
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers['x-auth-token'] = o.token;
    let body: string | Buffer | ReadableStream | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const res = await fetch(target, { method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    const text = await res.text();
    let parsed: unknown;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  const passwordToken = async (user: Record<string, unknown>, scope: Record<string, unknown>) => {
    const r = await request('identity', 'POST', 'auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user } }, scope } },
    });
    if (r.status !== 201) throw new Error(`token failed: ${JSON.stringify(r.body)}`);
    return { token: r.headers.get('x-subject-token')!, body: r.body };
  };
  const admin = await passwordToken(
    { name: 'admin', domain: { id: 'default' }, password: cloud.adminPassword },
    { project: { name: 'admin', domain: { id: 'default' } } },
  );
  let counter = 0;
  return {
    cloud,
    dataDir,
    adminToken: admin.token,
    adminProjectId: admin.body.token.project.id,
    url,
    request,
    async member(role = 'member') {
      const n = `t${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
      const project = await request('identity', 'POST', 'projects', {
        token: admin.token,
        body: { project: { name: `project-${n}`, domain_id: 'default' } },
      });
      const password = 'Member-Pass-1';
      const user = await request('identity', 'POST', 'users', {
        token: admin.token,
        body: { user: { name: `user-${n}`, domain_id: 'default', password } },
      });
      const roles = await request('identity', 'GET', `roles?name=${role}`, { token: admin.token });
      const projectId = project.body.project.id as string;
      const userId = user.body.user.id as string;
      await request('identity', 'PUT', `projects/${projectId}/users/${userId}/roles/${roles.body.roles[0].id}`, {
        token: admin.token,
      });
      const t = await passwordToken({ id: userId, password }, { project: { id: projectId } });
      return { userId, projectId, token: t.token };
    },
    async close() {
      await cloud.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
