import { fromDbBool, fromDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
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
  const row = await db.selectFrom('identity_project').selectAll().where('id', '=', id).executeTakeFirst();
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

export async function findProjectByName(db: IdentityDb, domainId: string, name: string): Promise<Project | undefined> {
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
