import type { IdentityDb } from './db.ts';
import { projectEndpointFilter } from './endpoint-filter.ts';
import { endpointFromRow, substituteEndpointUrl } from './endpoints.ts';
import { serviceFromRow } from './services.ts';

export interface CatalogEndpoint {
  readonly id: string;
  readonly interface: string;
  readonly region: string | null;
  readonly url: string;
}

export interface CatalogService {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly endpoints: CatalogEndpoint[];
}

/**
 * The service catalog a token shows: enabled services with their enabled endpoints, URLs
 * with `$(project_id)s` and friends filled in (an endpoint whose URL needs a value the
 * token lacks, a project for a domain token, is left out). If the project has endpoints
 * or endpoint groups associated through OS-EP-FILTER, only those endpoints appear and
 * services left without endpoints are dropped; otherwise every endpoint does.
 */
export async function buildCatalog(
  db: IdentityDb,
  projectId: string | undefined,
  userId?: string,
): Promise<CatalogService[]> {
  const services = (
    await db
      .selectFrom('identity_service')
      .selectAll()
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute()
  ).map(serviceFromRow);
  const endpoints = (
    await db
      .selectFrom('identity_endpoint')
      .selectAll()
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute()
  ).map(endpointFromRow);
  const allowed = projectId ? await projectEndpointFilter(db, projectId) : undefined;
  const substitutions = { project_id: projectId, tenant_id: projectId, user_id: userId };
  const out: CatalogService[] = [];
  for (const s of services) {
    const eps: CatalogEndpoint[] = [];
    for (const e of endpoints) {
      if (e.serviceId !== s.id || (allowed && !allowed(e))) continue;
      const url = substituteEndpointUrl(e.url, substitutions);
      if (url !== undefined)
        eps.push({ id: e.id, interface: e.interface, region: e.regionId, url });
    }
    if (allowed && eps.length === 0) continue;
    out.push({ id: s.id, type: s.type, name: s.name, endpoints: eps });
  }
  return out;
}
