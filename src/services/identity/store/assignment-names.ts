import type { IdentityDb } from './db.ts';
import { NULL_DOMAIN } from './tables.ts';

export interface NamedInDomain {
  readonly name: string;
  readonly domainId: string;
}

/** Names of everything a page of role assignments mentions (for include_names). */
export interface AssignmentNames {
  readonly users: ReadonlyMap<string, NamedInDomain>;
  readonly groups: ReadonlyMap<string, NamedInDomain>;
  /** Projects and domains alike (a domain's domainId is the root sentinel). */
  readonly projects: ReadonlyMap<string, NamedInDomain>;
  /** domainId null for global roles. */
  readonly roles: ReadonlyMap<string, { readonly name: string; readonly domainId: string | null }>;
}

const uniq = (ids: Iterable<string>) => [...new Set(ids)];

interface NameRow {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
}

/** Id, name and domain of the rows with these ids (no query for none). */
async function namesOf(
  db: IdentityDb,
  table: 'identity_user' | 'identity_group' | 'identity_role' | 'identity_project',
  ids: readonly string[],
): Promise<NameRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom(table).select(['id', 'name', 'domain_id']).where('id', 'in', ids).execute();
}

/**
 * Loads the names in a handful of queries whatever the page size: users, groups, roles,
 * then every project and domain they or the assignments name.
 */
export async function loadAssignmentNames(
  db: IdentityDb,
  ids: {
    users: Iterable<string>;
    groups: Iterable<string>;
    projects: Iterable<string>;
    roles: Iterable<string>;
  },
): Promise<AssignmentNames> {
  const [users, groups, roles] = await Promise.all([
    namesOf(db, 'identity_user', uniq(ids.users)),
    namesOf(db, 'identity_group', uniq(ids.groups)),
    namesOf(db, 'identity_role', uniq(ids.roles)),
  ]);
  const projectIds = uniq([
    ...ids.projects,
    ...users.map((u) => u.domain_id),
    ...groups.map((g) => g.domain_id),
    ...roles.map((r) => r.domain_id).filter((d) => d !== NULL_DOMAIN),
  ]);
  const projects = new Map<string, NamedInDomain>();
  const loadProjects = async (wanted: string[]) => {
    for (const r of await namesOf(db, 'identity_project', wanted))
      projects.set(r.id, { name: r.name, domainId: r.domain_id });
  };
  await loadProjects(projectIds);
  // The domains of the projects just loaded, for project_domain_name.
  await loadProjects(
    uniq([...projects.values()].map((p) => p.domainId)).filter((d) => !projects.has(d)),
  );
  const named = (rows: readonly NameRow[]) =>
    new Map(rows.map((r) => [r.id, { name: r.name, domainId: r.domain_id }]));
  return {
    users: named(users),
    groups: named(groups),
    projects,
    roles: new Map(
      roles.map((r) => [
        r.id,
        { name: r.name, domainId: r.domain_id === NULL_DOMAIN ? null : r.domain_id },
      ]),
    ),
  };
}
