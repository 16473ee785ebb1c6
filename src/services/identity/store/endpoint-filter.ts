import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import { listEndpoints, type Endpoint } from './endpoints.ts';
import type { EndpointGroupTable } from './tables.ts';

/** The endpoint attributes an endpoint group may filter on (OS-EP-FILTER). */
export const ENDPOINT_GROUP_FILTER_KEYS = ['service_id', 'region_id', 'interface'] as const;
export type EndpointGroupFilters = Readonly<
  Partial<Record<(typeof ENDPOINT_GROUP_FILTER_KEYS)[number], unknown>>
>;

export interface EndpointGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly filters: EndpointGroupFilters;
}

export function endpointGroupFromRow(row: EndpointGroupTable): EndpointGroup {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filters: fromDbJson(row.filters),
  };
}

/** Whether the endpoint has every attribute the group's filters name, with that value. */
export function endpointInGroup(filters: EndpointGroupFilters, e: Endpoint): boolean {
  const actual: Record<string, unknown> = {
    service_id: e.serviceId,
    region_id: e.regionId,
    interface: e.interface,
  };
  return Object.entries(filters).every(([key, value]) => actual[key] === value);
}

export async function getEndpointGroup(
  db: IdentityDb,
  id: string,
): Promise<EndpointGroup | undefined> {
  const row = await db
    .selectFrom('identity_endpoint_group')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? endpointGroupFromRow(row) : undefined;
}

export async function listEndpointGroups(
  db: IdentityDb,
  filters: { name?: string } = {},
): Promise<EndpointGroup[]> {
  let q = db.selectFrom('identity_endpoint_group').selectAll();
  if (filters.name !== undefined) q = q.where('name', '=', filters.name);
  return (await q.orderBy('id').execute()).map(endpointGroupFromRow);
}

export async function insertEndpointGroup(db: IdentityDb, g: EndpointGroup): Promise<void> {
  await db
    .insertInto('identity_endpoint_group')
    .values({ id: g.id, name: g.name, description: g.description, filters: toDbJson(g.filters) })
    .execute();
}

export async function updateEndpointGroupRow(db: IdentityDb, g: EndpointGroup): Promise<void> {
  await db
    .updateTable('identity_endpoint_group')
    .set({ name: g.name, description: g.description, filters: toDbJson(g.filters) })
    .where('id', '=', g.id)
    .execute();
}

/** Deletes the group with its project associations. */
export async function deleteEndpointGroup(db: IdentityDb, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('identity_project_endpoint_group')
      .where('endpoint_group_id', '=', id)
      .execute();
    await trx.deleteFrom('identity_endpoint_group').where('id', '=', id).execute();
  });
}

/** The endpoints an endpoint group selects. */
export async function endpointsInGroup(db: IdentityDb, group: EndpointGroup): Promise<Endpoint[]> {
  return (await listEndpoints(db)).filter((e) => endpointInGroup(group.filters, e));
}

// Project <-> endpoint associations.

export async function hasProjectEndpoint(
  db: IdentityDb,
  projectId: string,
  endpointId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('identity_project_endpoint')
    .select('project_id')
    .where('project_id', '=', projectId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addProjectEndpoint(
  db: IdentityDb,
  projectId: string,
  endpointId: string,
): Promise<void> {
  await db
    .insertInto('identity_project_endpoint')
    .values({ project_id: projectId, endpoint_id: endpointId })
    .execute();
}

/** Removes the association; false when there was none. */
export async function removeProjectEndpoint(
  db: IdentityDb,
  projectId: string,
  endpointId: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('identity_project_endpoint')
    .where('project_id', '=', projectId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function projectsOfEndpoint(db: IdentityDb, endpointId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_project_endpoint')
    .select('project_id')
    .where('endpoint_id', '=', endpointId)
    .orderBy('project_id')
    .execute();
  return rows.map((r) => r.project_id);
}

// Project <-> endpoint group associations.

export async function hasProjectEndpointGroup(
  db: IdentityDb,
  groupId: string,
  projectId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('identity_project_endpoint_group')
    .select('project_id')
    .where('endpoint_group_id', '=', groupId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addProjectEndpointGroup(
  db: IdentityDb,
  groupId: string,
  projectId: string,
): Promise<void> {
  await db
    .insertInto('identity_project_endpoint_group')
    .values({ endpoint_group_id: groupId, project_id: projectId })
    .execute();
}

export async function removeProjectEndpointGroup(
  db: IdentityDb,
  groupId: string,
  projectId: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('identity_project_endpoint_group')
    .where('endpoint_group_id', '=', groupId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function projectsOfEndpointGroup(db: IdentityDb, groupId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_project_endpoint_group')
    .select('project_id')
    .where('endpoint_group_id', '=', groupId)
    .orderBy('project_id')
    .execute();
  return rows.map((r) => r.project_id);
}

export async function endpointGroupsOfProject(
  db: IdentityDb,
  projectId: string,
): Promise<EndpointGroup[]> {
  const rows = await db
    .selectFrom('identity_project_endpoint_group as pg')
    .innerJoin('identity_endpoint_group as g', 'g.id', 'pg.endpoint_group_id')
    .selectAll('g')
    .where('pg.project_id', '=', projectId)
    .orderBy('g.id')
    .execute();
  return rows.map(endpointGroupFromRow);
}

/**
 * Whether an endpoint is associated with the project, directly or through an endpoint
 * group; undefined when the project has no association at all.
 */
export async function projectEndpointFilter(
  db: IdentityDb,
  projectId: string,
): Promise<((e: Endpoint) => boolean) | undefined> {
  const direct = await db
    .selectFrom('identity_project_endpoint')
    .select('endpoint_id')
    .where('project_id', '=', projectId)
    .execute();
  const groups = await endpointGroupsOfProject(db, projectId);
  if (direct.length === 0 && groups.length === 0) return undefined;
  const ids = new Set(direct.map((d) => d.endpoint_id));
  return (e) => ids.has(e.id) || groups.some((g) => endpointInGroup(g.filters, e));
}

/**
 * Every endpoint the project is associated with, directly or through an endpoint group
 * (disabled ones included, as Keystone lists them).
 */
export async function endpointsOfProject(db: IdentityDb, projectId: string): Promise<Endpoint[]> {
  const associated = await projectEndpointFilter(db, projectId);
  return associated ? (await listEndpoints(db)).filter(associated) : [];
}
