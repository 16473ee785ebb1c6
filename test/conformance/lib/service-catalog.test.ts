import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminCredentials } from './openstack-env.ts';
import type { CatalogService } from './service-catalog.ts';
import {
  authenticateAdmin,
  fetchServiceCatalog,
  publicEndpointUrl,
  publicServiceTypes,
  servicesAvailable,
  tagAvailable,
} from './service-catalog.ts';

const catalog: CatalogService[] = [
  {
    type: 'identity',
    endpoints: [
      { interface: 'public', region_id: 'RegionOne', url: 'http://k/v3' },
      { interface: 'admin', region_id: 'RegionOne', url: 'http://k/v3' },
    ],
  },
  {
    type: 'compute',
    endpoints: [{ interface: 'internal', region_id: 'RegionOne', url: 'http://n' }],
  },
  { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionTwo', url: 'http://g' }] },
  {
    type: 'block-storage',
    endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://c' }],
  },
  { type: 'network', endpoints: [{ interface: 'public', url: 'http://q' }] },
];

describe('publicServiceTypes', () => {
  it('keeps services with a public endpoint in the region (an endpoint without region counts)', () => {
    expect(publicServiceTypes(catalog, 'RegionOne')).toEqual([
      'block-storage',
      'identity',
      'network',
    ]);
    expect(publicServiceTypes(catalog, 'RegionTwo')).toEqual(['image', 'network']);
  });
});

describe('servicesAvailable', () => {
  it('maps catalog types to tempest [service_available] options', () => {
    expect(servicesAvailable(['identity'])).toEqual({
      nova: false,
      neutron: false,
      cinder: false,
      glance: false,
      swift: false,
    });
    expect(servicesAvailable(['compute', 'volumev3', 'object-store'])).toEqual({
      nova: true,
      neutron: false,
      cinder: true,
      glance: false,
      swift: true,
    });
    expect(servicesAvailable(['block-storage']).cinder).toBe(true);
  });
});

describe('publicEndpointUrl', () => {
  const withVolume: CatalogService[] = [
    ...catalog,
    {
      type: 'volumev3',
      endpoints: [
        { interface: 'public', region_id: 'RegionOne', url: 'http://c/v3/$(project_id)s' },
      ],
    },
  ];
  it('takes the first of the types with a public endpoint in the region, project filled in', () => {
    expect(publicEndpointUrl(withVolume, ['volumev3', 'block-storage'], 'RegionOne', 'p1')).toBe(
      'http://c/v3/p1',
    );
    expect(publicEndpointUrl(withVolume, ['block-storage'], 'RegionOne', 'p1')).toBe('http://c');
    expect(publicEndpointUrl(withVolume, ['image'], 'RegionOne', 'p1')).toBeNull();
    expect(publicEndpointUrl(withVolume, ['compute'], 'RegionOne', 'p1')).toBeNull();
  });
});

describe('tagAvailable', () => {
  it("maps tempest's service tags to [service_available]; identity is always there", () => {
    const services = servicesAvailable(['identity', 'image']);
    expect(tagAvailable('image', services)).toBe(true);
    expect(tagAvailable('compute', services)).toBe(false);
    expect(tagAvailable('volume', services)).toBe(false);
    expect(tagAvailable('identity', services)).toBe(true);
  });
});

describe('fetchServiceCatalog', () => {
  let baseUrl = '';
  const requests: { url?: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as {
        auth: { identity: { password: { user: { password: string } } } };
      };
      requests.push({ url: req.url, body: parsed });
      res.setHeader('content-type', 'application/json');
      if (parsed.auth.identity.password.user.password !== 'right') {
        res.statusCode = 401;
        res.end(
          JSON.stringify({
            error: {
              code: 401,
              title: 'Unauthorized',
              message: 'The request you have made requires authentication.',
            },
          }),
        );
        return;
      }
      res.statusCode = 201;
      res.setHeader('x-subject-token', 'token-1');
      res.end(JSON.stringify({ token: { catalog, project: { id: 'p1' } } }));
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const credentials = (password: string): AdminCredentials => ({
    authUrl: `${baseUrl}/`,
    identityV3Url: baseUrl,
    username: 'admin',
    password,
    projectName: 'admin',
    userDomainName: 'Default',
    projectDomainName: 'Other',
    regionName: 'RegionOne',
  });

  it('authenticates with a project-scoped password request and returns the catalog', async () => {
    await expect(fetchServiceCatalog(credentials('right'))).resolves.toEqual(catalog);
    expect(requests.at(-1)?.url).toBe('/v3/auth/tokens');
    expect(requests.at(-1)?.body).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'right' } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Other' } } },
      },
    });
  });

  it('gives the token and its project with the catalog', async () => {
    const session = await authenticateAdmin(credentials('right'));
    expect(session).toEqual({ token: 'token-1', projectId: 'p1', catalog });
  });

  it('says why the endpoint cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = { ...credentials('right'), identityV3Url: `http://127.0.0.1:${port}/v3` };
    await expect(fetchServiceCatalog(closed)).rejects.toThrow(
      `cannot reach http://127.0.0.1:${port}/v3/auth/tokens: ECONNREFUSED`,
    );
  });

  it("fails with the server's message when authentication is refused", async () => {
    await expect(fetchServiceCatalog(credentials('wrong'))).rejects.toThrow(
      'admin authentication failed: HTTP 401: The request you have made requires authentication.',
    );
  });
});
