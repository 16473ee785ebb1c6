/**
 * Deterministic generator of bad requests against the identity API: malformed and
 * truncated JSON, wrong types and missing members for every field of the auth and create
 * bodies, hostile strings, deep nesting, wrong media types, oversized bodies, bad query
 * parameters, path-traversal-like ids and garbage tokens. The same seed gives the same
 * requests, so a failure can be replayed.
 */

export type BadRequestKind =
  | 'malformed-json'
  | 'wrong-type'
  | 'missing-member'
  | 'extra-member'
  | 'body-shape'
  | 'hostile-string'
  | 'deep-nesting'
  | 'content-type'
  | 'oversized'
  | 'bad-query'
  | 'bad-id'
  | 'bad-token'
  | 'bad-method';

export interface BadRequest {
  readonly kind: BadRequestKind;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload?: string | Buffer;
}

export interface GeneratorInput {
  readonly seed: number;
  readonly adminToken: string;
  readonly adminPassword: string;
  /** Ids of existing resources to aim PATCH bodies at, by collection name (users, projects ...). */
  readonly existing?: Readonly<Record<string, string>>;
  /** Largest accepted body, in bytes; oversized requests go just past it. */
  readonly bodyLimit: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = readonly (string | number)[];

/** mulberry32: small, fast, and good enough to pick mutations reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BodyTemplate {
  readonly name: string;
  readonly method: 'POST' | 'PATCH' | 'PUT';
  readonly url: string;
  readonly body: Json;
}

function templates(input: GeneratorInput): BodyTemplate[] {
  const existing = input.existing ?? {};
  const passwordUser = { name: 'admin', domain: { id: 'default' }, password: input.adminPassword };
  const creates: BodyTemplate[] = [
    {
      name: 'auth-password',
      method: 'POST',
      url: '/v3/auth/tokens',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: passwordUser } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      },
    },
    {
      name: 'auth-token',
      method: 'POST',
      url: '/v3/auth/tokens',
      body: {
        auth: {
          identity: { methods: ['token'], token: { id: input.adminToken } },
          scope: { system: { all: true } },
        },
      },
    },
    {
      name: 'auth-application-credential',
      method: 'POST',
      url: '/v3/auth/tokens',
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: {
              name: 'ci',
              secret: 's3cret',
              user: { name: 'admin', domain: { name: 'Default' } },
            },
          },
        },
      },
    },
    {
      name: 'auth-trust-and-domain-scope',
      method: 'POST',
      url: '/v3/auth/tokens',
      body: {
        auth: {
          identity: {
            methods: ['password', 'token'],
            password: { user: passwordUser },
            token: { id: input.adminToken },
          },
          scope: { domain: { name: 'Default' }, 'OS-TRUST:trust': { id: 'trust-1' } },
        },
      },
    },
    {
      name: 'user',
      method: 'POST',
      url: '/v3/users',
      body: {
        user: {
          name: 'fuzz-user',
          domain_id: 'default',
          password: 'Fuzz-Pass-1',
          enabled: true,
          email: 'fuzz@example.org',
          description: 'made by the fuzz test',
          default_project_id: 'no-such-project',
          options: {
            ignore_password_expiry: true,
            multi_factor_auth_rules: [['password', 'totp']],
          },
        },
      },
    },
    {
      name: 'project',
      method: 'POST',
      url: '/v3/projects',
      body: {
        project: {
          name: 'fuzz-project',
          domain_id: 'default',
          description: 'd',
          enabled: true,
          is_domain: false,
          parent_id: 'default',
          tags: ['a', 'b'],
          options: { immutable: false },
        },
      },
    },
    {
      name: 'group',
      method: 'POST',
      url: '/v3/groups',
      body: { group: { name: 'fuzz-group', domain_id: 'default', description: 'd' } },
    },
    {
      name: 'role',
      method: 'POST',
      url: '/v3/roles',
      body: {
        role: {
          name: 'fuzz-role',
          domain_id: null,
          description: 'd',
          options: { immutable: false },
        },
      },
    },
    {
      name: 'domain',
      method: 'POST',
      url: '/v3/domains',
      body: {
        domain: {
          name: 'fuzz-domain',
          description: 'd',
          enabled: true,
          tags: ['x'],
          options: { immutable: false },
        },
      },
    },
    {
      name: 'region',
      method: 'POST',
      url: '/v3/regions',
      body: { region: { id: 'fuzz-region', description: 'd', parent_region_id: 'RegionOne' } },
    },
    {
      name: 'service',
      method: 'POST',
      url: '/v3/services',
      body: { service: { type: 'fuzz', name: 'fuzzer', description: 'd', enabled: true } },
    },
    {
      name: 'endpoint',
      method: 'POST',
      url: '/v3/endpoints',
      body: {
        endpoint: {
          service_id: 'no-such-service',
          interface: 'public',
          url: 'http://fuzz.example:1234/v1',
          region_id: 'RegionOne',
          region: 'RegionOne',
          enabled: true,
        },
      },
    },
    {
      name: 'credential',
      method: 'POST',
      url: '/v3/credentials',
      body: {
        credential: {
          user_id: 'no-such-user',
          project_id: 'no-such-project',
          type: 'ec2',
          blob: '{"access": "a", "secret": "s"}',
        },
      },
    },
  ];
  // PATCH bodies go to real resources when the test could create them, so the update
  // validation runs; otherwise to an id that does not exist (a 404 is a fine answer).
  const patchable: [string, string, Json][] = [
    [
      'users',
      'user',
      { name: 'renamed', enabled: true, email: 'e@example.org', options: { lock_password: false } },
    ],
    ['projects', 'project', { name: 'renamed', description: 'd', enabled: true, tags: ['t'] }],
    ['groups', 'group', { name: 'renamed', description: 'd' }],
    ['roles', 'role', { name: 'renamed', description: 'd' }],
    ['domains', 'domain', { name: 'renamed', description: 'd', enabled: true }],
    ['regions', 'region', { description: 'd', parent_region_id: null }],
    ['services', 'service', { type: 'fuzz', name: 'n', enabled: false }],
  ];
  const patches: BodyTemplate[] = patchable.map(([collection, member, body]) => ({
    name: `${member}-update`,
    method: 'PATCH',
    url: `/v3/${collection}/${existing[collection] ?? 'no-such-id'}`,
    body: { [member]: body },
  }));
  return [...creates, ...patches];
}

/** Every path into a JSON value, parents before children; the root is not included. */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

export function withValue(body: Json, path: Path, value: Json | undefined): Json {
  const copy = structuredClone(body);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

export function nested(depth: number, leaf: Json): Json {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
  return v;
}

/** Values of every JSON type but the expected one, plus strings no field should choke on. */
export const WRONG_VALUES: readonly Json[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  -0,
  true,
  false,
  '',
  ' ',
  'true',
  '1',
  [],
  [null],
  [1, 'two', { three: 3 }],
  {},
  { id: { id: { id: 'x' } } },
  { $ne: null },
];

export const HOSTILE_STRINGS: readonly string[] = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil\u202c',
  '名前',
  '🚀🔥'.repeat(50),
  'e\u0301\u0301\u0301',
  '\ufeffbom',
  "'; DROP TABLE users; --",
  '" OR "1"="1',
  '%00%2e%2e%2f',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '\r\nSet-Cookie: x=y',
  '\\',
  'x'.repeat(256),
  'x'.repeat(65_536),
];

export const MALFORMED_TEXTS: readonly string[] = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a" 1}',
  "{'a': 1}",
  '{"a": 1,}',
  '{"a": NaN}',
  '{"a": Infinity}',
  '{"a": undefined}',
  '{a: 1}',
  '{"a": 1} trailing',
  '{"a": 1}{"b": 2}',
  '/* comment */ {"a": 1}',
  '\ufeff{"a": 1}',
  '{"a": "\\x41"}',
  '{"a": "\\u12"}',
  '{"a": "unterminated}',
  '{"a": 01}',
  '{"a": .5}',
  '{"a": +1}',
  'null null',
  'nul',
  'tru',
  '"',
  '\u0000',
  '{"a":"b"\u0000}',
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/jsonx',
  'application/json; charset=utf-16',
  'json',
  '*/*',
  '',
];

export const GARBAGE_TOKENS = (rand: () => number, adminToken: string): string[] => {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const randomB64 = (n: number) =>
    Array.from({ length: n }, () => b64[Math.floor(rand() * b64.length)]).join('');
  const flipped =
    adminToken.slice(0, 40) + (adminToken[40] === 'A' ? 'B' : 'A') + adminToken.slice(41);
  return [
    'x',
    'a'.repeat(16),
    randomB64(64),
    randomB64(183) + '=',
    'gAAAAAB' + randomB64(200),
    flipped,
    adminToken.slice(0, Math.floor(adminToken.length / 2)),
    adminToken + 'A',
    adminToken.split('').reverse().join(''),
    `Bearer ${adminToken}`,
    'a'.repeat(9000),
    '../../../../etc/passwd/../..',
    '='.repeat(32),
    '.'.repeat(32),
    '-'.repeat(32),
    'null',
  ];
};

const LIST_ROUTES: readonly string[] = [
  '/v3/users',
  '/v3/projects',
  '/v3/groups',
  '/v3/roles',
  '/v3/domains',
  '/v3/regions',
  '/v3/services',
  '/v3/endpoints',
  '/v3/credentials',
  '/v3/role_assignments',
  '/v3/auth/projects',
  '/v3/auth/domains',
];

export const BAD_QUERIES: readonly string[] = [
  'limit=-1',
  'limit=abc',
  'limit=99999999999999999999999',
  'limit=1.5',
  'limit=',
  'limit=1&limit=2',
  'marker=%00',
  'marker=' + 'm'.repeat(5000),
  'sort_key=password',
  'sort_key=name&sort_dir=sideways',
  'sort=name:up',
  'enabled=maybe',
  'enabled=',
  'is_domain=2',
  'name=%00',
  'name=%E0%A4%A',
  'name=%ZZ',
  'name=a&name=b&name=c',
  'name[]=x',
  'name[$ne]=x',
  "domain_id=' OR 1=1 --",
  'parent_id=..%2F..%2Fetc',
  'user.id=%F0%9F%9A%80',
  'scope.project.id=' + 'p'.repeat(3000),
  'effective&include_subtree=perhaps',
  'include_names=7',
  '__proto__[admin]=1',
  'constructor[prototype][admin]=1',
  '&&&==&=',
  'q=' + '%'.repeat(100),
];

export const BAD_IDS: readonly string[] = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..',
  '%00',
  'a%00b',
  "'%20OR%20'1'%3D'1",
  'x'.repeat(300),
  'x'.repeat(2000),
  '%E0%A4%A',
  '%F0%9F%9A%80',
  '__proto__',
  'constructor',
  '-1',
  '1e309',
  '%20',
  '%7B%7D',
  'null',
];

const ID_ROUTES: readonly ((id: string) => string)[] = [
  (id) => `/v3/users/${id}`,
  (id) => `/v3/projects/${id}`,
  (id) => `/v3/groups/${id}`,
  (id) => `/v3/roles/${id}`,
  (id) => `/v3/domains/${id}`,
  (id) => `/v3/regions/${id}`,
  (id) => `/v3/services/${id}`,
  (id) => `/v3/endpoints/${id}`,
  (id) => `/v3/credentials/${id}`,
  (id) => `/v3/users/${id}/groups`,
  (id) => `/v3/projects/${id}/tags/${id}`,
  (id) => `/v3/projects/${id}/users/${id}/roles/${id}`,
];

/**
 * The bad requests, in a fixed order for a given input. Most carry the admin token so the
 * body gets past authentication and reaches validation; some carry none or a garbage one.
 */
export function generateBadRequests(input: GeneratorInput): BadRequest[] {
  const rand = seededRandom(input.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const garbageTokens = GARBAGE_TOKENS(rand, input.adminToken);
  const out: BadRequest[] = [];

  const tokenHeader = (): Record<string, string> => {
    const r = rand();
    if (r < 0.75) return { 'x-auth-token': input.adminToken };
    if (r < 0.87) return {};
    return { 'x-auth-token': pick(garbageTokens) };
  };
  const jsonRequest = (kind: BadRequestKind, t: BodyTemplate, payload: string | Buffer): void => {
    out.push({
      kind,
      method: t.method,
      url: t.url,
      headers: { 'content-type': 'application/json', ...tokenHeader() },
      payload,
    });
  };

  for (const t of templates(input)) {
    const text = JSON.stringify(t.body);
    const paths = pathsOf(t.body);

    // Truncated at several points, and each stock malformed text.
    for (let i = 0; i < 6; i++)
      jsonRequest('malformed-json', t, text.slice(0, 1 + Math.floor(rand() * (text.length - 1))));
    for (let i = 0; i < 3; i++) jsonRequest('malformed-json', t, pick(MALFORMED_TEXTS));
    jsonRequest(
      'malformed-json',
      t,
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]),
    );

    for (const path of paths) {
      for (let i = 0; i < 4; i++)
        jsonRequest('wrong-type', t, JSON.stringify(withValue(t.body, path, pick(WRONG_VALUES))));
      jsonRequest(
        'hostile-string',
        t,
        JSON.stringify(withValue(t.body, path, pick(HOSTILE_STRINGS))),
      );
      jsonRequest('missing-member', t, JSON.stringify(withValue(t.body, path, undefined)));
    }

    const objectPaths: Path[] = [
      [],
      ...paths.filter((p) => !Array.isArray(valueAt(t.body, p)) && isObject(valueAt(t.body, p))),
    ];
    for (const path of objectPaths) {
      const target = path.length ? valueAt(t.body, path) : t.body;
      const extra = {
        ...(target as Record<string, Json>),
        ['unexpected_' + Math.floor(rand() * 1000)]: pick(WRONG_VALUES),
      };
      jsonRequest(
        'extra-member',
        t,
        JSON.stringify(path.length ? withValue(t.body, path, extra) : extra),
      );
    }

    for (const shape of [
      '[]',
      '[{}]',
      '"text"',
      '42',
      'null',
      'true',
      '{}',
      JSON.stringify([t.body]),
    ]) {
      jsonRequest('body-shape', t, shape);
    }

    for (let i = 0; i < 2; i++) {
      const deepPath = pick(paths);
      jsonRequest(
        'deep-nesting',
        t,
        JSON.stringify(withValue(t.body, deepPath, nested(200 + Math.floor(rand() * 800), 'leaf'))),
      );
    }
    // Deeper than any recursive walk survives; built as text since JSON.stringify would recurse too.
    const depth = 50_000;
    jsonRequest(
      'deep-nesting',
      t,
      text.replace(/:"[^"]*"/, `:${'['.repeat(depth)}${']'.repeat(depth)}`),
    );

    for (const type of CONTENT_TYPES) {
      out.push({
        kind: 'content-type',
        method: t.method,
        url: t.url,
        headers: {
          ...(type === undefined ? {} : { 'content-type': type }),
          'x-auth-token': input.adminToken,
        },
        payload: text,
      });
    }
  }

  // Just past the limit, as JSON and as something else.
  const big = 'x'.repeat(input.bodyLimit + 1024);
  for (const url of ['/v3/auth/tokens', '/v3/users', '/v3/projects', '/v3/credentials']) {
    out.push({
      kind: 'oversized',
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-auth-token': input.adminToken },
      payload: JSON.stringify({ x: big }),
    });
  }
  out.push({
    kind: 'oversized',
    method: 'POST',
    url: '/v3/users',
    headers: { 'content-type': 'text/plain' },
    payload: big,
  });

  for (const route of LIST_ROUTES) {
    for (const query of BAD_QUERIES) {
      out.push({
        kind: 'bad-query',
        method: 'GET',
        url: `${route}?${query}`,
        headers: tokenHeader(),
      });
    }
  }

  for (const route of ID_ROUTES) {
    for (const id of BAD_IDS) {
      const method = pick(['GET', 'GET', 'PATCH', 'DELETE', 'PUT', 'HEAD'] as const);
      const body =
        method === 'PATCH' || method === 'PUT'
          ? { payload: JSON.stringify({ user: { name: 'x' } }) }
          : {};
      const headers = {
        ...tokenHeader(),
        ...('payload' in body ? { 'content-type': 'application/json' } : {}),
      };
      out.push({ kind: 'bad-id', method, url: route(id), headers, ...body });
    }
  }

  const tokenRoutes: readonly [string, string, string | undefined][] = [
    ['GET', '/v3/users', undefined],
    ['GET', '/v3/auth/catalog', undefined],
    ['GET', '/v3/auth/projects', undefined],
    ['GET', '/v3/auth/system', undefined],
    [
      'POST',
      '/v3/projects',
      JSON.stringify({ project: { name: 'by-garbage', domain_id: 'default' } }),
    ],
  ];
  for (const token of garbageTokens) {
    for (const [method, url, payload] of tokenRoutes) {
      out.push({
        kind: 'bad-token',
        method,
        url,
        headers: {
          'x-auth-token': token,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload ? { payload } : {}),
      });
    }
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      out.push({
        kind: 'bad-token',
        method,
        url: '/v3/auth/tokens',
        headers: { 'x-auth-token': input.adminToken, 'x-subject-token': token },
      });
    }
    out.push({
      kind: 'bad-token',
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } } } }),
    });
  }

  for (const [method, url] of [
    ['PUT', '/v3/users'],
    ['DELETE', '/v3/users'],
    ['PATCH', '/v3/auth/tokens'],
    ['OPTIONS', '/v3/users'],
    ['PUT', '/v3'],
    ['POST', '/'],
  ] as const) {
    out.push({ kind: 'bad-method', method, url, headers: { 'x-auth-token': input.adminToken } });
  }

  return out;
}

export function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function valueAt(body: Json, path: Path): Json | undefined {
  let v: Json | undefined = body;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, Json>)[key];
  }
  return v;
}
