import { fromDbBool, fromDbJson, toDbBool, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import { tagFilterCondition, type TagFilter } from './project-tags.ts';
import { ROOT_DOMAIN, type ProjectTable } from './tables.ts';

/**
 * Projects and domains share one table, as in Keystone: a domain is a project with
 * is_domain set, whose domain_id is the root sentinel.
 */
export interface Project {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly parentId: string | null;
  readonly isDomain: boolean;
  readonly enabled: boolean;
  readonly description: string;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
}

export function projectFromRow(row: ProjectTable): Project {
  return {
    id: row.id,
    name: row.name,
    domainId: row.domain_id,
    parentId: row.parent_id,
    isDomain: fromDbBool(row.is_domain),
    enabled: fromDbBool(row.enabled),
    description: row.description,
    extra: fromDbJson(row.extra),
    options: fromDbJson(row.options),
  };
}

/** Any row of the project table: a project or a domain. */
export async function getProjectRow(db: IdentityDb, id: string): Promise<Project | undefined> {
  const row = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? projectFromRow(row) : undefined;
}

/** A project that is not a domain. */
export async function getProject(db: IdentityDb, id: string): Promise<Project | undefined> {
  const p = await getProjectRow(db, id);
  return p && !p.isDomain ? p : undefined;
}

export async function getDomain(db: IdentityDb, id: string): Promise<Project | undefined> {
  const p = await getProjectRow(db, id);
  return p && p.isDomain ? p : undefined;
}

export async function findDomainByName(db: IdentityDb, name: string): Promise<Project | undefined> {
  const row = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('domain_id', '=', ROOT_DOMAIN)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? projectFromRow(row) : undefined;
}

export async function findProjectByName(
  db: IdentityDb,
  domainId: string,
  name: string,
): Promise<Project | undefined> {
  const row = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .where('is_domain', '=', 0)
    .executeTakeFirst();
  return row ? projectFromRow(row) : undefined;
}

/**
 * The chain of parents of a project, nearest first, ending with its domain. Hierarchies
 * are shallow (Keystone caps depth at 5 by default), so one query per level is fine.
 */
export async function ancestorsOf(db: IdentityDb, project: Project): Promise<Project[]> {
  const out: Project[] = [];
  let parentId = project.parentId;
  const seen = new Set([project.id]);
  while (parentId && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = await getProjectRow(db, parentId);
    if (!parent) break;
    out.push(parent);
    parentId = parent.parentId;
  }
  return out;
}

/**
 * A new row of the project table; a domain has `domainId` ROOT_DOMAIN and no parent.
 * Throws the driver's unique violation when (domain_id, name) or the id is taken.
 */
export async function insertProject(db: IdentityDb, p: Project): Promise<void> {
  await db
    .insertInto('identity_project')
    .values({
      id: p.id,
      name: p.name,
      domain_id: p.domainId,
      parent_id: p.parentId,
      is_domain: toDbBool(p.isDomain),
      enabled: toDbBool(p.enabled),
      description: p.description,
      extra: toDbJson(p.extra),
      options: toDbJson(p.options),
    })
    .execute();
}

/** The mutable columns; the hierarchy (domain, parent, is_domain) never changes. */
export interface ProjectChanges {
  readonly name?: string;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly options?: Readonly<Record<string, unknown>>;
}

export async function updateProjectRow(
  db: IdentityDb,
  id: string,
  c: ProjectChanges,
): Promise<void> {
  const set: Partial<ProjectTable> = {};
  if (c.name !== undefined) set.name = c.name;
  if (c.description !== undefined) set.description = c.description;
  if (c.enabled !== undefined) set.enabled = toDbBool(c.enabled);
  if (c.extra !== undefined) set.extra = toDbJson(c.extra);
  if (c.options !== undefined) set.options = toDbJson(c.options);
  if (Object.keys(set).length === 0) return;
  await db.updateTable('identity_project').set(set).where('id', '=', id).execute();
}

/** What GET /v3/projects and /v3/domains filter on; every field set must match. */
export interface ProjectFilter {
  readonly name?: string;
  readonly domainId?: string;
  readonly parentId?: string;
  readonly enabled?: boolean;
  readonly isDomain?: boolean;
  readonly tags?: TagFilter;
  /** At most this many rows (list_limit + 1, so the caller can tell the list was cut). */
  readonly limit?: number;
}

export async function listProjects(db: IdentityDb, f: ProjectFilter): Promise<Project[]> {
  let q = db.selectFrom('identity_project').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  if (f.parentId !== undefined) q = q.where('parent_id', '=', f.parentId);
  if (f.enabled !== undefined) q = q.where('enabled', '=', toDbBool(f.enabled));
  if (f.isDomain !== undefined) q = q.where('is_domain', '=', toDbBool(f.isDomain));
  const tags = f.tags;
  if (tags) q = q.where((eb) => tagFilterCondition(eb, tags));
  q = q.orderBy('name').orderBy('id');
  if (f.limit !== undefined) q = q.limit(f.limit);
  return (await q.execute()).map(projectFromRow);
}

/** Direct children of any of the given projects or domains. */
export async function childrenOf(db: IdentityDb, parentIds: readonly string[]): Promise<Project[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('parent_id', 'in', [...parentIds])
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(projectFromRow);
}

export async function hasChildren(db: IdentityDb, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('identity_project')
    .select('id')
    .where('parent_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Every project below this one, level by level (children first, leaves last), one query
 * per level. A repeated id (a corrupt hierarchy) ends the walk instead of looping.
 */
export async function subtreeOf(db: IdentityDb, projectId: string): Promise<Project[]> {
  const out: Project[] = [];
  const seen = new Set([projectId]);
  let level = await childrenOf(db, [projectId]);
  while (level.length) {
    const fresh = level.filter((p) => !seen.has(p.id));
    for (const p of fresh) seen.add(p.id);
    out.push(...fresh);
    level = await childrenOf(
      db,
      fresh.map((p) => p.id),
    );
  }
  return out;
}

/** The projects owned by a domain (not the domain itself). */
export async function projectsInDomain(db: IdentityDb, domainId: string): Promise<Project[]> {
  const rows = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('domain_id', '=', domainId)
    .execute();
  return rows.map(projectFromRow);
}

export async function deleteProjectRow(db: IdentityDb, id: string): Promise<void> {
  await db.deleteFrom('identity_project').where('id', '=', id).execute();
}
