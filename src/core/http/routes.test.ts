import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { unauthorized } from '../errors/index.ts';
import type { AuthContext } from '../auth/context.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import { PolicyEnforcer } from '../auth/policy/index.ts';
import { createProcessMetrics, HealthRegistry, silentLogger } from '../observability/index.ts';
import { createApiServer } from './server.ts';
import { defineRoute, registerRoutes, type RouteSpec } from './routes.ts';
import type { MicroversionSpec } from './microversion.ts';

const OWNER = 'owner-token-0123456789abcdef';
const OTHER = 'other-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';

function auth(userId: string, projectId: string, roles: string[]): AuthContext {
  return {
    userId,
    userName: userId,
    userDomain: { id: 'default', name: 'Default' },
    scope: {
      kind: 'project',
      project: { id: projectId, name: projectId, domain: { id: 'default', name: 'Default' } },
    },
    roles: roles.map((name) => ({ id: name, name })),
    methods: ['password'],
    issuedAt: new Date(),
    expiresAt: new Date(Date.now() + 3_600_000),
    auditIds: [],
    isAdminProject: false,
  };
}

/** A token validator that remembers which tokens it was asked about. */
class FakeTokens implements TokenValidator {
  readonly asked: string[] = [];
  async validate(token: string): Promise<AuthContext> {
    this.asked.push(token);
    if (token === OWNER) return auth('u-owner', 'p-1', ['member', 'reader']);
    if (token === OTHER) return auth('u-other', 'p-2', ['member', 'reader']);
    if (token === ADMIN) return auth('u-admin', 'p-admin', ['admin', 'member', 'reader']);
    throw unauthorized();
  }
}

const policy = new PolicyEnforcer({
  defaults: [
    { name: 'admin_required', check: 'role:admin', description: 'Admin.' },
    {
      name: 'thing:get',
      check: 'rule:admin_required or project_id:%(project_id)s',
      description: 'Owner or admin.',
    },
    { name: 'thing:list', check: 'role:reader', description: 'Readers.' },
    { name: 'thing:show_secret', check: 'rule:admin_required', description: 'Admin only.' },
  ],
});

const thingQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  detailed: Type.Optional(Type.Boolean()),
});

const plainRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/projects/:project_id/things',
    policy: 'thing:get',
    schema: { querystring: thingQuery },
    handler: (call) => ({
      project: call.params.project_id,
      limit: call.query.limit ?? null,
      detailed: call.query.detailed ?? null,
      user: call.ctx.auth.userId,
      secret: call.can('thing:show_secret') ? 's3cr3t' : undefined,
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/things/:thing_id',
    policy: 'thing:get',
    // The owner is not in the path: the route looks it up.
    target: async (call) => ({ project_id: call.params.thing_id === 't-1' ? 'p-1' : 'p-9' }),
    schema: { params: Type.Object({ thing_id: Type.String({ pattern: '^t-\\d+$' }) }) },
    handler: (call) => ({ thing: call.params.thing_id }),
  }),
  defineRoute({
    method: 'POST',
    url: '/things/:thing_id/action',
    policy: 'thing:list',
    schema: {
      body: Type.Object({
        reboot: Type.Object({ type: Type.Union([Type.Literal('SOFT'), Type.Literal('HARD')]) }),
      }),
    },
    status: 202,
    handler: (call) => {
      if (call.body.reboot.type === 'HARD') call.authorize('thing:show_secret');
      call.reply.header('location', `/things/${call.params.thing_id}`);
      return undefined;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/whoami',
    auth: 'optional',
    policy: null,
    handler: (call) => ({ user: call.context?.auth.userId ?? null, request_id: call.requestId }),
  }),
  defineRoute({
    method: 'GET',
    url: '/strict-ctx',
    auth: 'optional',
    policy: null,
    handler: (call) => ({ user: call.ctx.auth.userId }),
  }),
  defineRoute({
    method: ['GET', 'POST'],
    url: '/public',
    auth: 'none',
    policy: null,
    handler: (call) => ({ method: call.request.method, authenticated: call.context !== undefined }),
  }),
];

const compute: MicroversionSpec = {
  serviceType: 'compute',
  min: '2.1',
  max: '2.10',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
};

const versionedRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/servers',
    auth: 'none',
    policy: null,
    versions: { max: '2.4' },
    handler: (call) => ({
      shape: 'old',
      version: `${call.microversion!.major}.${call.microversion!.minor}`,
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/servers',
    auth: 'none',
    policy: null,
    versions: { min: '2.5' },
    handler: (call) => ({
      shape: 'new',
      version: `${call.microversion!.major}.${call.microversion!.minor}`,
    }),
  }),
  defineRoute({
    method: 'GET',
    url: '/new-thing',
    auth: 'none',
    policy: null,
    versions: { min: '2.8' },
    handler: () => ({ ok: true }),
  }),
];

function server(): FastifyInstance {
  return createApiServer({
    service: 'test',
    logger: silentLogger(),
    metrics: createProcessMetrics({ defaultMetrics: false }),
    health: new HealthRegistry(),
    faults: (e) => ({ error: { code: e.status, message: e.message } }),
    bodyLimit: 65536,
  });
}

const tokens = new FakeTokens();
let plain: FastifyInstance;
let versioned: FastifyInstance;

beforeAll(async () => {
  plain = server();
  registerRoutes(plain, plainRoutes, { service: 'test', policy, tokens, logger: silentLogger() });
  versioned = server();
  registerRoutes(versioned, versionedRoutes, {
    service: 'compute',
    policy,
    microversions: compute,
    logger: silentLogger(),
  });
  await Promise.all([plain.ready(), versioned.ready()]);
});
afterAll(async () => {
  await Promise.all([plain.close(), versioned.close()]);
});

const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
  plain.inject({
    method: 'GET',
    url,
    headers: { ...headers, ...(token ? { 'x-auth-token': token } : {}) },
  });

describe('authentication', () => {
  it('answers 401 without a token on a route that requires one', async () => {
    const res = await get('/projects/p-1/things');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('The request you have made requires authentication.');
  });

  it('answers 401 for an unknown token', async () => {
    expect((await get('/projects/p-1/things', 'unknown-token-0123456789')).statusCode).toBe(401);
  });

  it('answers 401 for a malformed token without asking the validator', async () => {
    const before = tokens.asked.length;
    for (const token of [
      'short',
      'has spaces in it here',
      'x'.repeat(9000),
      '<script>alert(1)</script>',
    ]) {
      expect((await get('/projects/p-1/things', token)).statusCode, token).toBe(401);
    }
    expect(tokens.asked.length).toBe(before);
  });

  it('authenticates optionally, and ctx still demands a caller', async () => {
    expect((await get('/whoami')).json()).toMatchObject({ user: null });
    expect((await get('/whoami', OWNER)).json()).toMatchObject({ user: 'u-owner' });
    expect((await get('/whoami', 'unknown-token-0123456789')).statusCode).toBe(401);
    expect((await get('/strict-ctx')).statusCode).toBe(401);
    expect((await get('/strict-ctx', OWNER)).json()).toEqual({ user: 'u-owner' });
  });

  it('gives the handler the request id of the response', async () => {
    const res = await get('/whoami');
    expect(res.json().request_id).toBe(res.headers['x-openstack-request-id']);
  });

  it('never reads the token on routes without auth', async () => {
    const before = tokens.asked.length;
    const res = await get('/public', 'unknown-token-0123456789');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ method: 'GET', authenticated: false });
    expect(tokens.asked.length).toBe(before);
    const post = await plain.inject({ method: 'POST', url: '/public' });
    expect(post.json()).toEqual({ method: 'POST', authenticated: false });
  });
});

describe('policy', () => {
  it('checks the route rule against the path parameters', async () => {
    expect((await get('/projects/p-1/things', OWNER)).statusCode).toBe(200);
    const denied = await get('/projects/p-1/things', OTHER);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toBe(
      'You are not authorized to perform the requested action: thing:get.',
    );
    expect((await get('/projects/p-1/things', ADMIN)).statusCode).toBe(200);
  });

  it('checks the route rule against a target the route builds', async () => {
    expect((await get('/things/t-1', OWNER)).statusCode).toBe(200);
    expect((await get('/things/t-2', OWNER)).statusCode).toBe(403);
    expect((await get('/things/t-2', ADMIN)).statusCode).toBe(200);
  });

  it('lets the handler ask further rules', async () => {
    expect((await get('/projects/p-1/things', OWNER)).json().secret).toBeUndefined();
    expect((await get('/projects/p-1/things', ADMIN)).json().secret).toBe('s3cr3t');
    const act = (token: string, type: string) =>
      plain.inject({
        method: 'POST',
        url: '/things/t-1/action',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        payload: { reboot: { type } },
      });
    const soft = await act(OWNER, 'SOFT');
    expect(soft.statusCode).toBe(202);
    expect(soft.body).toBe('');
    expect(soft.headers.location).toBe('/things/t-1');
    expect((await act(OWNER, 'HARD')).statusCode).toBe(403);
    expect((await act(ADMIN, 'HARD')).statusCode).toBe(202);
  });

  it('authenticates before validating, so anonymous callers learn nothing about the input rules', async () => {
    expect((await get('/projects/p-1/things?limit=zero')).statusCode).toBe(401);
  });
});

describe('validation', () => {
  it('coerces query parameters to their declared types for the handler', async () => {
    const res = await get('/projects/p-1/things?limit=5&detailed=false', OWNER);
    expect(res.json()).toMatchObject({ limit: 5, detailed: false });
  });

  it('answers 400 naming a bad query parameter', async () => {
    const res = await get('/projects/p-1/things?limit=0', OWNER);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^Invalid input for field 'limit'/);
    expect(
      (await get('/projects/p-1/things?detailed=perhaps', OWNER)).json().error.message,
    ).toMatch(/'detailed'/);
  });

  it('answers 400 naming a bad path parameter', async () => {
    const res = await get('/things/..%2F..%2Fetc', OWNER);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^Invalid input for field 'thing_id'/);
  });

  it('answers 400 naming a bad body field', async () => {
    const res = await plain.inject({
      method: 'POST',
      url: '/things/t-1/action',
      headers: { 'x-auth-token': OWNER },
      payload: { reboot: { type: 'WARM' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^Invalid input for field 'reboot\.type'/);
  });
});

describe('microversions', () => {
  const vget = (url: string, headers: Record<string, string> = {}) =>
    versioned.inject({ method: 'GET', url, headers });

  it('serves the declaration whose range holds the negotiated version', async () => {
    expect((await vget('/servers')).json()).toEqual({ shape: 'old', version: '2.1' });
    expect((await vget('/servers', { 'openstack-api-version': 'compute 2.4' })).json()).toEqual({
      shape: 'old',
      version: '2.4',
    });
    expect((await vget('/servers', { 'openstack-api-version': 'compute 2.5' })).json()).toEqual({
      shape: 'new',
      version: '2.5',
    });
    expect((await vget('/servers', { 'openstack-api-version': 'compute latest' })).json()).toEqual({
      shape: 'new',
      version: '2.10',
    });
    expect((await vget('/servers', { 'x-openstack-nova-api-version': '2.7' })).json()).toEqual({
      shape: 'new',
      version: '2.7',
    });
  });

  it('says which version answered, under both header names', async () => {
    const res = await vget('/servers', { 'openstack-api-version': 'compute 2.6' });
    expect(res.headers['openstack-api-version']).toBe('compute 2.6');
    expect(res.headers['x-openstack-nova-api-version']).toBe('2.6');
    expect(res.headers.vary).toContain('OpenStack-API-Version');
  });

  it('answers 404 for a route that does not exist at the asked version', async () => {
    expect((await vget('/new-thing', { 'openstack-api-version': 'compute 2.7' })).statusCode).toBe(
      404,
    );
    expect((await vget('/new-thing', { 'openstack-api-version': 'compute 2.8' })).statusCode).toBe(
      200,
    );
  });

  it('answers 406 out of range and 400 for a malformed version', async () => {
    const high = await vget('/servers', { 'openstack-api-version': 'compute 2.11' });
    expect(high.statusCode).toBe(406);
    expect(high.json().error.message).toContain('2.11');
    expect((await vget('/servers', { 'openstack-api-version': 'compute 2.x' })).statusCode).toBe(
      400,
    );
  });
});

describe('registerRoutes declarations', () => {
  it('refuses a route declared twice without microversions', () => {
    const route = defineRoute({
      method: 'GET',
      url: '/x',
      auth: 'none',
      policy: null,
      handler: () => ({}),
    });
    expect(() =>
      registerRoutes(server(), [route, route], { service: 's', policy, logger: silentLogger() }),
    ).toThrow(/GET \/x is declared twice/);
  });

  it('refuses an authenticated route without a policy', () => {
    const route = defineRoute({ method: 'GET', url: '/x', policy: null, handler: () => ({}) });
    expect(() =>
      registerRoutes(server(), [route], { service: 's', policy, logger: silentLogger() }),
    ).toThrow(/requires auth but declares no policy/);
  });
});
