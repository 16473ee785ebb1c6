import { passwordAuthBody, type KeystoneCredentials } from '../identity/keystone-credentials.ts';
import type { HttpClient } from './http-client.ts';

interface CatalogEntry {
  readonly type: string;
  readonly endpoints: ReadonlyArray<{ readonly interface: string; readonly url: string }>;
}

/** A project-scoped token and the catalog it came with: how a client finds each service. */
export interface OpenStackSession {
  readonly token: string;
  readonly projectId: string;
  /** Public URL of the first catalog entry of these types (e.g. block-storage, volumev3). */
  endpoint(...types: string[]): string;
}

/** The public URL of the first of `types` the catalog lists, without a trailing slash. */
export function publicEndpoint(catalog: readonly CatalogEntry[], types: readonly string[]): string | undefined {
  for (const type of types) {
    const entry = catalog.find((c) => c.type === type);
    const url = entry?.endpoints.find((e) => e.interface === 'public')?.url;
    if (url) return url.replace(/\/+$/, '');
  }
  return undefined;
}

/** Issues a token with a password the way every OpenStack client does. */
export async function openSession(
  client: HttpClient,
  creds: KeystoneCredentials,
): Promise<OpenStackSession> {
  const res = await client.request({
    method: 'POST',
    path: `${new URL(creds.authUrl).pathname.replace(/\/+$/, '')}/auth/tokens`,
    headers: { 'content-type': 'application/json' },
    body: passwordAuthBody(creds),
  });
  const token = res.headers['x-subject-token'];
  if (res.status !== 201 || typeof token !== 'string') {
    throw new Error(`token issue at ${creds.authUrl} answered ${res.status}: ${res.body?.toString().slice(0, 300)}`);
  }
  const body = JSON.parse(res.body!.toString()) as {
    token: { project?: { id: string }; catalog?: CatalogEntry[] };
  };
  const catalog = body.token.catalog ?? [];
  const projectId = body.token.project?.id;
  if (!projectId) throw new Error('the token is not project-scoped');
  return {
    token,
    projectId,
    endpoint(...types) {
      const url = publicEndpoint(catalog, types);
      if (!url) {
        const known = catalog.map((c) => c.type).join(', ');
        throw new Error(`the catalog lists no ${types.join('/')} endpoint (it has: ${known})`);
      }
      return url;
    },
  };
}
