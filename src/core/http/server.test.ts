import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Type } from 'typebox';
import { ApiError, unauthorized } from '../errors/index.ts';
import type { AuthContext } from '../auth/context.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import { PolicyEnforcer } from '../auth/policy/index.ts';
import { createLogger, createProcessMetrics, HealthRegistry } from '../observability/index.ts';
import { createApiServer } from './server.ts';
import { defineRoute, registerRoutes } from './routes.ts';
import type { FaultFormatter } from './faults.ts';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const MEMBER_TOKEN = 'member-token-0123456789abcdef';

function authFor(userId: string, projectId: string, roles: string[]): AuthContext {
  return {
    userId,
    userName: userId,
    userDomain: { id: 'default', name: 'Default' },
    scope: {
      kind: 'project',
      project: { id: projectId, name: projectId, domain: { id: 'default', name: 'Default' } },
    },
    roles: roles.map((name) => ({ id: `r-${name}`, name })),
    methods: ['password'],
    issuedAt: new Date(),
    expiresAt: new Date(Date.now() + 3_600_000),
    auditIds: [],
    isAdminProject: false,
  };
}

const tokens: TokenValidator = {
  async validate(token) {
    if (token === ADMIN_TOKEN) return authFor('u-admin', 'p-admin', ['admin', 'member', 'reader']);
    if (token === MEMBER_TOKEN) return authFor('u-member', 'p-member', ['member', 'reader']);
    throw unauthorized();
  },
};

/** A fault body unlike any real service's, so a test can tell it was used. */
const fault: FaultFormatter = (err) => ({
  fake: { code: err.status, title: err.title, message: err.message },
});

const widgetBody = Type.Object(
  {
    widget: Type.Object(
      { name: Type.String(), size: Type.Optional(Type.Integer()) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const routes = [
  defineRoute({
    method: 'GET',
    url: '/v1/widgets',
    policy: 'widget:list',
    handler: () => ({ widgets: [] }),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/widgets',
    policy: 'widget:create',
    status: 201,
    schema: { body: widgetBody },
    handler: (call) => ({ widget: { id: 'w-1', ...call.body.widget } }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/widgets/:widget_id',
    policy: 'widget:list',
    handler: (call) => ({ widget: { id: call.params.widget_id } }),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/widgets/:widget_id',
    policy: 'widget:create',
    status: 204,
    handler: () => undefined,
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/boom',
    auth: 'optional',
    policy: null,
    handler: () => {
      throw new Error('kaboom: password=hunter2 at /var/lib/strata');
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/echo',
    auth: 'none',
    policy: null,
    handler: (call) => ({ echo: call.body ?? null }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/unavailable',
    auth: 'none',
    policy: null,
    handler: () => {
      throw new ApiError(503, 'backend_down', 'The widget backend is unavailable.', {
        headers: { 'retry-after': '5' },
      });
    },
  }),
];

interface Service {
  app: FastifyInstance;
  logs: Record<string, unknown>[];
  rawLogs: string[];
  health: HealthRegistry;
}

function buildService(): Service {
  const rawLogs: string[] = [];
  const logger = createLogger({
    name: 'widget',
    destination: { write: (s: string) => void rawLogs.push(s) },
  });
  const health = new HealthRegistry();
  const app = createApiServer({
    service: 'widget',
    logger,
    metrics: createProcessMetrics({ defaultMetrics: false }),
    health,
    faults: fault,
    bodyLimit: 1024,
    requestIdHeaders: ['x-compute-request-id'],
  });
  registerRoutes(app, routes, {
    service: 'widget',
    logger,
    tokens,
    policy: new PolicyEnforcer({
      defaults: [
        { name: 'widget:list', check: 'role:reader', description: 'List widgets.' },
        { name: 'widget:create', check: 'role:admin', description: 'Create widgets.' },
      ],
    }),
  });
  return {
    app,
    rawLogs,
    health,
    get logs() {
      return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

let svc: Service;
beforeAll(async () => {
  svc = buildService();
  await svc.app.ready();
});
afterAll(async () => svc.app.close());

type InjectOpts = InjectOptions;
async function send(opts: InjectOpts) {
  const res = await svc.app.inject(opts);
  // The access line is written from onResponse, which may run just after inject resolves.
  await new Promise((r) => setImmediate(r));
  return res;
}

const accessLines = (requestId: string) =>
  svc.logs.filter((l) => l.request_id === requestId && l.message === 'request');

describe('request ids', () => {
  it('puts a fresh request id on every response, errors included, under each configured header', async () => {
    const seen = new Set<string>();
    const requests: InjectOpts[] = [
      { method: 'GET', url: '/v1/widgets', headers: { 'x-auth-token': ADMIN_TOKEN } },
      { method: 'GET', url: '/v1/widgets' },
      { method: 'GET', url: '/nowhere' },
      { method: 'GET', url: '/v1/boom' },
      {
        method: 'POST',
        url: '/v1/widgets',
        headers: { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/json' },
        payload: '{',
      },
      { method: 'GET', url: '/healthcheck' },
    ];
    for (const r of requests) {
      const res = await send(r);
      const id = res.headers['x-openstack-request-id'];
      expect(id, `${r.method} ${r.url}`).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(res.headers['x-compute-request-id']).toBe(id);
      seen.add(String(id));
    }
    expect(seen.size).toBe(requests.length);
  });

  it('ignores a request id the client sends', async () => {
    const res = await send({
      method: 'GET',
      url: '/healthcheck',
      headers: { 'x-openstack-request-id': 'req-mine' },
    });
    expect(res.headers['x-openstack-request-id']).not.toBe('req-mine');
  });
});

describe('faults', () => {
  const admin = { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/json' };
  const cases: [string, InjectOpts, number][] = [
    [
      'a body failing validation',
      { method: 'POST', url: '/v1/widgets', headers: admin, payload: '{"widget": {}}' },
      400,
    ],
    ['no token', { method: 'GET', url: '/v1/widgets' }, 401],
    [
      'a policy denial',
      {
        method: 'POST',
        url: '/v1/widgets',
        headers: { ...admin, 'x-auth-token': MEMBER_TOKEN },
        payload: '{"widget":{"name":"a"}}',
      },
      403,
    ],
    ['an unknown path', { method: 'GET', url: '/v2/nothing' }, 404],
    ['a method the path lacks', { method: 'PUT', url: '/v1/widgets' }, 405],
    [
      'a body over the limit',
      {
        method: 'POST',
        url: '/v1/widgets',
        headers: admin,
        payload: JSON.stringify({ widget: { name: 'x'.repeat(2000) } }),
      },
      413,
    ],
    [
      'an unsupported media type',
      {
        method: 'POST',
        url: '/v1/widgets',
        headers: { ...admin, 'content-type': 'application/xml' },
        payload: '<widget/>',
      },
      415,
    ],
    ['an exception', { method: 'GET', url: '/v1/boom' }, 500],
    ['a declared 503', { method: 'GET', url: '/v1/unavailable' }, 503],
  ];

  it.each(cases)('answers %s in the service fault format', async (_what, opts, status) => {
    const res = await send(opts);
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as { fake: { code: number; title: string; message: string } };
    expect(Object.keys(body)).toEqual(['fake']);
    expect(body.fake.code).toBe(status);
    expect(body.fake.title).toBeTruthy();
    expect(body.fake.message).toBeTruthy();
  });

  it('says which methods a parametric path allows on 405', async () => {
    const res = await send({
      method: 'PUT',
      url: '/v1/widgets/w-1',
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    expect(res.statusCode).toBe(405);
    expect(String(res.headers.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
    const statics = await send({ method: 'PATCH', url: '/v1/widgets' });
    expect(String(statics.headers.allow).split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('answers a URL the router cannot decode in the service format, with a request id', async () => {
    const res = await send({
      method: 'GET',
      url: '/v1/widgets/%E0%A4%A',
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(res.json().fake).toMatchObject({ code: 400 });
  });

  it('routes ids of a few hundred characters (tags, names) and refuses absurd ones in the service format', async () => {
    const long = await send({
      method: 'GET',
      url: `/v1/widgets/${'a'.repeat(300)}`,
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    expect(long.statusCode).toBe(200);
    const absurd = await send({
      method: 'GET',
      url: `/v1/widgets/${'a'.repeat(5000)}`,
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    expect(absurd.statusCode).toBe(414);
    expect(absurd.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(absurd.json().fake).toMatchObject({ code: 414 });
  });

  it('answers malformed and truncated JSON with 400 saying so', async () => {
    for (const payload of ['{', '{"widget": {"name": "a"', 'nope', '{"a":1}}']) {
      const res = await send({ method: 'POST', url: '/v1/widgets', headers: admin, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().fake.message).toMatch(/^Malformed JSON in request body/);
    }
  });

  it('answers an empty JSON body on a route that needs one with 400 naming the body', async () => {
    const res = await send({ method: 'POST', url: '/v1/widgets', headers: admin, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json().fake.message).toContain("'body'");
  });

  it('accepts JSON media types with parameters and vendor suffixes', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/vnd.openstack.widget-v1+json',
      'APPLICATION/JSON',
    ]) {
      const res = await send({
        method: 'POST',
        url: '/v1/widgets',
        headers: { ...admin, 'content-type': type },
        payload: '{"widget":{"name":"a"}}',
      });
      expect(res.statusCode, type).toBe(201);
    }
  });

  it('refuses a body that would set an object prototype, however the key is spelled', async () => {
    const json = { 'content-type': 'application/json' };
    const plain = await send({
      method: 'POST',
      url: '/v1/echo',
      headers: json,
      payload: '{"a": [{"b": "__proto__"}]}',
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({ echo: { a: [{ b: '__proto__' }] } });
    for (const payload of [
      '{"__proto__": {"admin": true}}',
      '{"a": [{"b": {"__proto__": {"x": 1}}}]}',
      '{"widget": {"\\u005f_proto__": {"x": 1}}}',
    ]) {
      const res = await send({ method: 'POST', url: '/v1/echo', headers: json, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().fake.message).toContain('__proto__');
    }
  });

  it('hides an internal error from the client and logs it with its stack', async () => {
    const res = await send({ method: 'GET', url: '/v1/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('kaboom');
    expect(res.body).not.toContain('hunter2');
    expect(res.json().fake.message).toBe(
      'An unexpected error prevented the server from fulfilling your request.',
    );
    const id = String(res.headers['x-openstack-request-id']);
    const errorLine = svc.logs.find((l) => l.request_id === id && l.level === 'error');
    expect(errorLine).toBeDefined();
    expect((errorLine!.err as { stack: string }).stack).toContain('kaboom');
  });

  it('passes a declared 5xx error through with its message and headers, logged as a warning', async () => {
    const res = await send({ method: 'GET', url: '/v1/unavailable' });
    expect(res.json().fake.message).toBe('The widget backend is unavailable.');
    expect(res.headers['retry-after']).toBe('5');
    const id = String(res.headers['x-openstack-request-id']);
    expect(svc.logs.find((l) => l.request_id === id && l.level === 'warn')).toMatchObject({
      code: 'backend_down',
    });
    expect(svc.logs.some((l) => l.request_id === id && l.level === 'error')).toBe(false);
  });
});

describe('access log', () => {
  it('writes exactly one line per request with the caller and the route template', async () => {
    const res = await send({
      method: 'GET',
      url: '/v1/widgets/w-42?x=1',
      headers: { 'x-auth-token': MEMBER_TOKEN },
    });
    expect(res.statusCode).toBe(200);
    const lines = accessLines(String(res.headers['x-openstack-request-id']));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'widget',
      level: 'info',
      method: 'GET',
      route: '/v1/widgets/:widget_id',
      path: '/v1/widgets/w-42',
      status: 200,
      user_id: 'u-member',
      project_id: 'p-member',
    });
    expect(typeof lines[0]!.duration_ms).toBe('number');
  });

  it('logs failed and unmatched requests too, without a caller', async () => {
    const unauth = await send({ method: 'GET', url: '/v1/widgets' });
    const unauthLines = accessLines(String(unauth.headers['x-openstack-request-id']));
    expect(unauthLines).toEqual([expect.objectContaining({ status: 401, route: '/v1/widgets' })]);
    expect(unauthLines[0]).not.toHaveProperty('user_id');
    expect(unauthLines[0]).not.toHaveProperty('project_id');
    const missing = await send({ method: 'GET', url: '/no/such/thing' });
    expect(accessLines(String(missing.headers['x-openstack-request-id']))).toEqual([
      expect.objectContaining({ status: 404, route: 'unmatched' }),
    ]);
  });

  it('never writes a token to the log', async () => {
    const garbage = 'garbage-token-value-0123456789';
    await send({ method: 'GET', url: '/v1/widgets', headers: { 'x-auth-token': ADMIN_TOKEN } });
    await send({ method: 'GET', url: '/v1/boom', headers: { 'x-auth-token': MEMBER_TOKEN } });
    await send({ method: 'GET', url: '/v1/widgets', headers: { 'x-auth-token': garbage } });
    await send({
      method: 'POST',
      url: '/v1/widgets',
      headers: { 'x-auth-token': ADMIN_TOKEN, 'content-type': 'application/json' },
      payload: '{',
    });
    const text = svc.rawLogs.join('');
    for (const token of [ADMIN_TOKEN, MEMBER_TOKEN, garbage]) expect(text).not.toContain(token);
  });
});

describe('/metrics', () => {
  it('counts requests and times them by route template', async () => {
    await send({ method: 'GET', url: '/v1/widgets/abc', headers: { 'x-auth-token': ADMIN_TOKEN } });
    await send({ method: 'GET', url: '/v1/widgets/def', headers: { 'x-auth-token': ADMIN_TOKEN } });
    const res = await send({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(
      /strata_http_requests_total\{service="widget",method="GET",route="\/v1\/widgets\/:widget_id",status="200"\} ([2-9]|\d\d+)/,
    );
    expect(res.body).toMatch(
      /strata_http_request_duration_seconds_count\{service="widget",method="GET",route="\/v1\/widgets\/:widget_id",status="200"\} \d+/,
    );
    expect(res.body).toContain('strata_http_request_duration_seconds_bucket{le="0.005"');
    expect(res.body).not.toContain('/v1/widgets/abc');
    expect(res.body).toMatch(/route="unmatched",status="404"/);
  });
});

describe('/healthcheck', () => {
  it('answers 200 while probes pass and 503 naming the failing one', async () => {
    const ok = await send({ method: 'GET', url: '/healthcheck' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', checks: {} });
    svc.health.register('database', async () => {
      throw new Error('connection refused');
    });
    const failing = await send({ method: 'GET', url: '/healthcheck' });
    expect(failing.statusCode).toBe(503);
    expect(failing.json()).toEqual({
      status: 'failing',
      checks: { database: { ok: false, error: 'connection refused' } },
    });
  });
});

describe('HEAD', () => {
  it('answers HEAD on a GET route with the same status and headers and no body', async () => {
    const get = await send({
      method: 'GET',
      url: '/v1/widgets/w-1',
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    const head = await send({
      method: 'HEAD',
      url: '/v1/widgets/w-1',
      headers: { 'x-auth-token': ADMIN_TOKEN },
    });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['x-openstack-request-id']).toMatch(/^req-/);
    const denied = await send({ method: 'HEAD', url: '/v1/widgets/w-1' });
    expect(denied.statusCode).toBe(401);
  });
});
