import { fromDbBool, fromDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';

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
 * Endpoint groups filter endpoints by these attributes (OS-EP-FILTER).
 */
function matchesGroup(filters: Record<string, unknown>, ep: { id: string; service_id: string; interface: string; region_id: string | null }): boolean {
  for (const [key, value] of Object.entries(filters)) {
    const actual = key === 'service_id' ? ep.service_id : key === 'interface' ? ep.interface : key === 'region_id' ? ep.region_id : undefined;
    if (actual !== value) return false;
  }
  return true;
}

/**
 * The service catalog a token shows: enabled services with their enabled endpoints. If the
 * project has endpoints or endpoint groups associated through OS-EP-FILTER, only those
 * endpoints appear; otherwise all do.
 */
export async function buildCatalog(db: IdentityDb, projectId: string | undefined): Promise<CatalogService[]> {
  const services = await db.selectFrom('identity_service').selectAll().where('enabled', '=', 1).execute();
  const endpoints = await db.selectFrom('identity_endpoint').selectAll().where('enabled', '=', 1).execute();
  let allowed: ((ep: (typeof endpoints)[number]) => boolean) | undefined;
  if (projectId) {
    const direct = await db
      .selectFrom('identity_project_endpoint')
      .select('endpoint_id')
      .where('project_id', '=', projectId)
      .execute();
    const groups = await db
      .selectFrom('identity_project_endpoint_group as pg')
      .innerJoin('identity_endpoint_group as g', 'g.id', 'pg.endpoint_group_id')
      .select('g.filters')
      .where('pg.project_id', '=', projectId)
      .execute();
    if (direct.length || groups.length) {
      const ids = new Set(direct.map((d) => d.endpoint_id));
      const filters = groups.map((g) => fromDbJson<Record<string, unknown>>(g.filters));
      allowed = (ep) => ids.has(ep.id) || filters.some((f) => matchesGroup(f, ep));
    }
  }
  const out: CatalogService[] = [];
  for (const s of services) {
    const extra = fromDbJson<Record<string, unknown>>(s.extra);
    const eps = endpoints
      .filter((e) => e.service_id === s.id && fromDbBool(e.enabled) && (!allowed || allowed(e)))
      .map((e) => ({ id: e.id, interface: e.interface, region: e.region_id, url: e.url }));
    if (allowed && eps.length === 0) continue;
    out.push({ id: s.id, type: s.type, name: typeof extra.name === 'string' ? extra.name : '', endpoints: eps });
  }
  return out;
}
