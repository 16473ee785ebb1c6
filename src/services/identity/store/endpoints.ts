import { fromDbBool, fromDbJson, toDbBool, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { EndpointTable } from './tables.ts';

export const ENDPOINT_INTERFACES = ['public', 'internal', 'admin'] as const;
export type EndpointInterface = (typeof ENDPOINT_INTERFACES)[number];

export interface Endpoint {
  readonly id: string;
  readonly serviceId: string;
  readonly interface: string;
  readonly url: string;
  readonly regionId: string | null;
  readonly enabled: boolean;
  /** Attributes beyond Keystone's columns (name, description ...), merged into the view. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface EndpointFilters {
  readonly interface?: string;
  readonly serviceId?: string;
  readonly regionId?: string;
}

export function endpointFromRow(row: EndpointTable): Endpoint {
  return {
    id: row.id,
    serviceId: row.service_id,
    interface: row.interface,
    url: row.url,
    regionId: row.region_id,
    enabled: fromDbBool(row.enabled),
    extra: fromDbJson(row.extra),
  };
}

function toRow(e: Endpoint): EndpointTable {
  return {
    id: e.id,
    service_id: e.serviceId,
    interface: e.interface,
    url: e.url,
    region_id: e.regionId,
    enabled: toDbBool(e.enabled),
    extra: toDbJson(e.extra),
  };
}

export async function getEndpoint(db: IdentityDb, id: string): Promise<Endpoint | undefined> {
  const row = await db
    .selectFrom('identity_endpoint')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? endpointFromRow(row) : undefined;
}

export async function listEndpoints(
  db: IdentityDb,
  filters: EndpointFilters = {},
): Promise<Endpoint[]> {
  let q = db.selectFrom('identity_endpoint').selectAll();
  if (filters.interface !== undefined) q = q.where('interface', '=', filters.interface);
  if (filters.serviceId !== undefined) q = q.where('service_id', '=', filters.serviceId);
  if (filters.regionId !== undefined) q = q.where('region_id', '=', filters.regionId);
  const rows = await q.orderBy('id').execute();
  return rows.map(endpointFromRow);
}

export async function insertEndpoint(db: IdentityDb, e: Endpoint): Promise<void> {
  await db.insertInto('identity_endpoint').values(toRow(e)).execute();
}

export async function updateEndpointRow(db: IdentityDb, e: Endpoint): Promise<void> {
  const { id: _id, ...row } = toRow(e);
  await db.updateTable('identity_endpoint').set(row).where('id', '=', e.id).execute();
}

/** Deletes the endpoint and the project associations that named it (they have no FK). */
export async function deleteEndpoint(db: IdentityDb, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('identity_project_endpoint').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('identity_endpoint').where('id', '=', id).execute();
  });
}

/**
 * Keystone's URL substitutions: `$(project_id)s` and friends. Only these names may appear
 * in an endpoint URL; the catalog fills them in for the token's scope.
 */
export const URL_SUBSTITUTIONS = [
  'tenant_id',
  'project_id',
  'user_id',
  'public_bind_host',
  'admin_bind_host',
  'compute_host',
  'admin_port',
  'public_port',
  'public_endpoint',
] as const;

const SUBSTITUTION = /\$\(([^)]*)\)(.?)/g;

/** Whether every `$(name)s` in the URL names an allowed substitution and is well formed. */
export function validEndpointUrl(url: string): boolean {
  for (const m of url.matchAll(SUBSTITUTION)) {
    if (m[2] !== 's' || !(URL_SUBSTITUTIONS as readonly string[]).includes(m[1] ?? ''))
      return false;
  }
  // An opened `$(` that never closes is as malformed as an unknown name.
  return !/\$\([^)]*$/.test(url);
}

/**
 * Fills the URL's substitutions. Returns undefined when a name has no value here (a
 * project URL in a token without a project): the catalog then leaves the endpoint out, as
 * Keystone does.
 */
export function substituteEndpointUrl(
  url: string,
  values: Readonly<Record<string, string | undefined>>,
): string | undefined {
  let missing = false;
  const out = url.replace(SUBSTITUTION, (whole, name: string, conv: string) => {
    const v = conv === 's' ? values[name] : undefined;
    if (v === undefined) missing = true;
    return v ?? whole;
  });
  return missing ? undefined : out;
}
