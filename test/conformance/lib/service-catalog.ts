import type { AdminCredentials } from './openstack-env.ts';

export interface CatalogEndpoint {
  interface: string;
  url: string;
  region_id?: string | null;
  region?: string | null;
}

export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** tempest's [service_available] options for the services tempest core can test. */
export type TempestService = 'nova' | 'neutron' | 'cinder' | 'glance' | 'swift';

export type ServiceAvailability = Record<TempestService, boolean>;

/** Catalog types that make a service available (block storage has had several names). */
const CATALOG_TYPES: Readonly<Record<TempestService, readonly string[]>> = {
  nova: ['compute'],
  neutron: ['network'],
  cinder: ['volumev3', 'block-storage', 'volume', 'volumev2'],
  glance: ['image'],
  swift: ['object-store'],
};

/**
 * The service names tempest tags tests with (`@utils.services('compute')`, visible in a test
 * id's attributes) and the [service_available] option each stands for; identity is always on.
 */
export const SERVICE_TAGS = {
  compute: 'nova',
  network: 'neutron',
  volume: 'cinder',
  image: 'glance',
  object_storage: 'swift',
  identity: null,
} as const satisfies Record<string, TempestService | null>;

export type ServiceTag = keyof typeof SERVICE_TAGS;

export function isServiceTag(name: string): name is ServiceTag {
  return Object.hasOwn(SERVICE_TAGS, name);
}

/** Whether the cloud offers the service a tempest tag names. */
export function tagAvailable(tag: ServiceTag, services: ServiceAvailability): boolean {
  const service = SERVICE_TAGS[tag];
  return service === null || services[service];
}

/** Types of the services that have a public endpoint in `region`. */
export function publicServiceTypes(catalog: readonly CatalogService[], region: string): string[] {
  const types = catalog
    .filter((service) => service.endpoints.some((e) => isPublicIn(e, region)))
    .map((service) => service.type);
  return [...new Set(types)].sort();
}

function isPublicIn(endpoint: CatalogEndpoint, region: string): boolean {
  return (
    endpoint.interface === 'public' && (endpoint.region_id ?? endpoint.region ?? region) === region
  );
}

/**
 * URL of the public endpoint of the first of `types` the catalog has in `region`, with a
 * `$(project_id)s` template (if the server left one) filled in. Null when there is none.
 */
export function publicEndpointUrl(
  catalog: readonly CatalogService[],
  types: readonly string[],
  region: string,
  projectId: string,
): string | null {
  for (const type of types) {
    for (const service of catalog.filter((s) => s.type === type)) {
      const endpoint = service.endpoints.find((e) => isPublicIn(e, region));
      if (endpoint) {
        return endpoint.url
          .replace(
            /\$\(project_id\)s|%\(project_id\)s|\$\(tenant_id\)s|%\(tenant_id\)s/g,
            projectId,
          )
          .replace(/\/+$/, '');
      }
    }
  }
  return null;
}

/** The catalog types of block storage, in the order tempest's [volume] catalog_type prefers. */
export const VOLUME_CATALOG_TYPES = CATALOG_TYPES.cinder;

export function servicesAvailable(publicTypes: readonly string[]): ServiceAvailability {
  const present = new Set(publicTypes);
  const availability = {} as ServiceAvailability;
  for (const [service, types] of Object.entries(CATALOG_TYPES) as [
    TempestService,
    readonly string[],
  ][]) {
    availability[service] = types.some((t) => present.has(t));
  }
  return availability;
}

/** What an error answer of POST /v3/auth/tokens said, for a message a human can act on. */
function describeFailure(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } };
    if (parsed.error?.message) return `HTTP ${status}: ${parsed.error.message}`;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${status}: ${body.slice(0, 200)}`;
}

/** A project-scoped admin token with what the runners need from it. */
export interface AdminSession {
  token: string;
  projectId: string;
  catalog: CatalogService[];
}

/**
 * Authenticates as the admin (password, project scope) and returns the token's service
 * catalog. Throws with the server's message when authentication fails.
 */
export async function fetchServiceCatalog(
  credentials: AdminCredentials,
  timeoutMs = 30_000,
): Promise<CatalogService[]> {
  return (await authenticateAdmin(credentials, timeoutMs)).catalog;
}

/**
 * Authenticates as the admin (password, project scope): the token (X-Subject-Token), its
 * project and its catalog. Throws with the server's message when authentication fails.
 */
export async function authenticateAdmin(
  credentials: AdminCredentials,
  timeoutMs = 30_000,
): Promise<AdminSession> {
  const url = `${credentials.identityV3Url}/auth/tokens`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: credentials.username,
              domain: { name: credentials.userDomainName },
              password: credentials.password,
            },
          },
        },
        scope: {
          project: {
            name: credentials.projectName,
            domain: { name: credentials.projectDomainName },
          },
        },
      },
    }),
  }).catch((err: unknown) => {
    // fetch's own message is just "fetch failed"; the cause says why (ECONNREFUSED, …)
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`admin authentication failed: ${describeFailure(response.status, text)}`);
  }
  const body = JSON.parse(text) as {
    token?: { catalog?: CatalogService[]; project?: { id?: string } };
  };
  const catalog = body.token?.catalog;
  if (!Array.isArray(catalog)) throw new Error('the admin token carries no service catalog');
  return {
    token: response.headers.get('x-subject-token') ?? '',
    projectId: body.token?.project?.id ?? '',
    catalog,
  };
}
