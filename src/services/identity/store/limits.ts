import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { IdentityDb } from './db.ts';
import type { IdentityTables, LimitTable, RegisteredLimitTable } from './tables.ts';

/**
 * Unified limits. A registered limit is a resource's default for a service (and region);
 * a limit overrides it for one project or domain. A limit always matches exactly one
 * registered limit by (service, region, resource), which is how it is tied to it: the
 * table keeps that key rather than the registered limit's id, as Keystone shows it.
 */
export interface RegisteredLimit {
  readonly id: string;
  readonly serviceId: string;
  readonly regionId: string | null;
  readonly resourceName: string;
  readonly defaultLimit: number;
  readonly description: string | null;
}

export interface Limit {
  readonly id: string;
  readonly projectId: string | null;
  readonly domainId: string | null;
  readonly serviceId: string;
  readonly regionId: string | null;
  readonly resourceName: string;
  readonly resourceLimit: number;
  readonly description: string | null;
}

/** What ties a limit to its registered limit. */
export interface LimitKey {
  readonly serviceId: string;
  readonly regionId: string | null;
  readonly resourceName: string;
}

export interface RegisteredLimitFilters {
  readonly serviceId?: string;
  readonly regionId?: string;
  readonly resourceName?: string;
}

export interface LimitFilters extends RegisteredLimitFilters {
  readonly projectId?: string;
  readonly domainId?: string;
}

export function registeredLimitFromRow(row: RegisteredLimitTable): RegisteredLimit {
  return {
    id: row.id,
    serviceId: row.service_id,
    regionId: row.region_id,
    resourceName: row.resource_name,
    defaultLimit: Number(row.default_limit),
    description: row.description,
  };
}

export function limitFromRow(row: LimitTable): Limit {
  return {
    id: row.id,
    projectId: row.project_id,
    domainId: row.domain_id,
    serviceId: row.service_id,
    regionId: row.region_id,
    resourceName: row.resource_name,
    resourceLimit: Number(row.resource_limit),
    description: row.description,
  };
}

/** Both tables hold the key, in the same columns. */
type KeyedTable = 'identity_limit' | 'identity_registered_limit';

/** Rows of exactly this key: a null region matches only a null region. */
function hasKey(key: LimitKey) {
  return (eb: ExpressionBuilder<IdentityTables, KeyedTable>): Expression<SqlBool> =>
    eb.and([
      eb('service_id', '=', key.serviceId),
      eb('resource_name', '=', key.resourceName),
      key.regionId === null ? eb('region_id', 'is', null) : eb('region_id', '=', key.regionId),
    ]);
}

// Registered limits.

export async function getRegisteredLimit(
  db: IdentityDb,
  id: string,
): Promise<RegisteredLimit | undefined> {
  const row = await db
    .selectFrom('identity_registered_limit')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? registeredLimitFromRow(row) : undefined;
}

export async function listRegisteredLimits(
  db: IdentityDb,
  f: RegisteredLimitFilters = {},
): Promise<RegisteredLimit[]> {
  let q = db.selectFrom('identity_registered_limit').selectAll();
  if (f.serviceId !== undefined) q = q.where('service_id', '=', f.serviceId);
  if (f.regionId !== undefined) q = q.where('region_id', '=', f.regionId);
  if (f.resourceName !== undefined) q = q.where('resource_name', '=', f.resourceName);
  return (await q.orderBy('id').execute()).map(registeredLimitFromRow);
}

/** The registered limit for exactly this key (a null region matches only a null region). */
export async function findRegisteredLimit(
  db: IdentityDb,
  key: LimitKey,
): Promise<RegisteredLimit | undefined> {
  const row = await db
    .selectFrom('identity_registered_limit')
    .selectAll()
    .where(hasKey(key))
    .executeTakeFirst();
  return row ? registeredLimitFromRow(row) : undefined;
}

function registeredRow(r: RegisteredLimit): RegisteredLimitTable {
  return {
    id: r.id,
    service_id: r.serviceId,
    region_id: r.regionId,
    resource_name: r.resourceName,
    default_limit: r.defaultLimit,
    description: r.description,
  };
}

export async function insertRegisteredLimit(db: IdentityDb, r: RegisteredLimit): Promise<void> {
  await db.insertInto('identity_registered_limit').values(registeredRow(r)).execute();
}

export async function updateRegisteredLimitRow(db: IdentityDb, r: RegisteredLimit): Promise<void> {
  const { id: _id, ...row } = registeredRow(r);
  await db.updateTable('identity_registered_limit').set(row).where('id', '=', r.id).execute();
}

export async function deleteRegisteredLimit(db: IdentityDb, id: string): Promise<void> {
  await db.deleteFrom('identity_registered_limit').where('id', '=', id).execute();
}

/** Whether any project or domain limit hangs off this registered limit. */
export async function isRegisteredLimitReferenced(db: IdentityDb, key: LimitKey): Promise<boolean> {
  const row = await db
    .selectFrom('identity_limit')
    .select('id')
    .where(hasKey(key))
    .executeTakeFirst();
  return row !== undefined;
}

// Project and domain limits.

export async function getLimit(db: IdentityDb, id: string): Promise<Limit | undefined> {
  const row = await db
    .selectFrom('identity_limit')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? limitFromRow(row) : undefined;
}

export async function listLimits(db: IdentityDb, f: LimitFilters = {}): Promise<Limit[]> {
  let q = db.selectFrom('identity_limit').selectAll();
  if (f.serviceId !== undefined) q = q.where('service_id', '=', f.serviceId);
  if (f.regionId !== undefined) q = q.where('region_id', '=', f.regionId);
  if (f.resourceName !== undefined) q = q.where('resource_name', '=', f.resourceName);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  return (await q.orderBy('id').execute()).map(limitFromRow);
}

/** The limit of one project or domain for this key. */
export async function findLimit(
  db: IdentityDb,
  owner: { projectId: string } | { domainId: string },
  key: LimitKey,
): Promise<Limit | undefined> {
  const q = db.selectFrom('identity_limit').selectAll().where(hasKey(key));
  const row = await (
    'projectId' in owner
      ? q.where('project_id', '=', owner.projectId)
      : q.where('domain_id', '=', owner.domainId)
  ).executeTakeFirst();
  return row ? limitFromRow(row) : undefined;
}

export async function insertLimit(db: IdentityDb, l: Limit): Promise<void> {
  await db
    .insertInto('identity_limit')
    .values({
      id: l.id,
      project_id: l.projectId,
      domain_id: l.domainId,
      service_id: l.serviceId,
      region_id: l.regionId,
      resource_name: l.resourceName,
      resource_limit: l.resourceLimit,
      description: l.description,
    })
    .execute();
}

export async function updateLimitRow(db: IdentityDb, l: Limit): Promise<void> {
  await db
    .updateTable('identity_limit')
    .set({ resource_limit: l.resourceLimit, description: l.description })
    .where('id', '=', l.id)
    .execute();
}

export async function deleteLimit(db: IdentityDb, id: string): Promise<void> {
  await db.deleteFrom('identity_limit').where('id', '=', id).execute();
}

/**
 * What a project may use of each resource of these services: its own limit where it has
 * one, else the registered default. With a region, limits registered for that region win
 * over region-less ones; without one, region-less ones win (then the first region by id),
 * so each resource name has exactly one answer.
 */
export async function effectiveProjectLimits(
  db: IdentityDb,
  projectId: string,
  serviceIds: readonly string[],
  regionId?: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (serviceIds.length === 0) return out;
  let q = db
    .selectFrom('identity_registered_limit')
    .selectAll()
    .where('service_id', 'in', serviceIds);
  if (regionId !== undefined)
    q = q.where((eb) => eb.or([eb('region_id', 'is', null), eb('region_id', '=', regionId)]));
  const registered = (await q.execute()).map(registeredLimitFromRow);
  const rank = (r: RegisteredLimit) =>
    regionId !== undefined ? (r.regionId === null ? 1 : 0) : r.regionId === null ? 0 : 1;
  registered.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.regionId ?? '').localeCompare(b.regionId ?? '') ||
      a.id.localeCompare(b.id),
  );
  const chosen = new Map<string, RegisteredLimit>();
  for (const r of registered) if (!chosen.has(r.resourceName)) chosen.set(r.resourceName, r);
  const own = await listLimitsOfProject(db, projectId, serviceIds);
  for (const [name, r] of chosen) {
    const mine = own.find(
      (l) => l.serviceId === r.serviceId && l.regionId === r.regionId && l.resourceName === name,
    );
    out.set(name, mine ? mine.resourceLimit : r.defaultLimit);
  }
  return out;
}

async function listLimitsOfProject(
  db: IdentityDb,
  projectId: string,
  serviceIds: readonly string[],
): Promise<Limit[]> {
  const rows = await db
    .selectFrom('identity_limit')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('service_id', 'in', serviceIds)
    .execute();
  return rows.map(limitFromRow);
}
