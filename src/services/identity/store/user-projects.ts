import { fromDbBool } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import { projectFromRow, type Project } from './projects.ts';
import { groupIdsOfUser } from './users.ts';

/**
 * The projects on which the user has an effective role, as GET /v3/users/{id}/projects
 * lists them: direct and group assignments on a project, assignments inherited from a
 * parent project (to its whole subtree) or from a domain (to all its projects). Disabled
 * projects are included, as in Keystone.
 */
export async function projectsOfUser(db: IdentityDb, userId: string): Promise<Project[]> {
  const groupIds = await groupIdsOfUser(db, userId);
  const rows = await db
    .selectFrom('identity_assignment')
    .select(['type', 'target_id', 'inherited'])
    .where((eb) =>
      eb.or([
        eb.and([eb('actor_id', '=', userId), eb('type', 'in', ['UserProject', 'UserDomain'])]),
        ...(groupIds.length
          ? [
              eb.and([
                eb('actor_id', 'in', groupIds),
                eb('type', 'in', ['GroupProject', 'GroupDomain']),
              ]),
            ]
          : []),
      ]),
    )
    .execute();
  const ids = new Set<string>();
  const subtreesOf: string[] = [];
  const domainsOf: string[] = [];
  for (const r of rows) {
    const inherited = fromDbBool(r.inherited);
    const onProject = r.type === 'UserProject' || r.type === 'GroupProject';
    if (onProject && !inherited) ids.add(r.target_id);
    else if (onProject) subtreesOf.push(r.target_id);
    else if (inherited) domainsOf.push(r.target_id);
  }
  if (subtreesOf.length || domainsOf.length) {
    const all = await db
      .selectFrom('identity_project')
      .select(['id', 'parent_id', 'domain_id'])
      .where('is_domain', '=', 0)
      .execute();
    const inheritingDomains = new Set(domainsOf);
    const children = new Map<string, string[]>();
    for (const p of all) {
      if (inheritingDomains.has(p.domain_id)) ids.add(p.id);
      if (p.parent_id) children.set(p.parent_id, [...(children.get(p.parent_id) ?? []), p.id]);
    }
    // Inherited project assignments reach the subtree below the project, not the project.
    const seen = new Set<string>();
    const queue = subtreesOf.flatMap((id) => children.get(id) ?? []);
    while (queue.length) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      ids.add(id);
      queue.push(...(children.get(id) ?? []));
    }
  }
  if (ids.size === 0) return [];
  const projects = await db
    .selectFrom('identity_project')
    .selectAll()
    .where('id', 'in', [...ids])
    .where('is_domain', '=', 0)
    .orderBy('id')
    .execute();
  return projects.map(projectFromRow);
}

/** Tags of the given projects, for project views (keyed by project id). */
export async function tagsOfProjects(
  db: IdentityDb,
  projectIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (projectIds.length === 0) return out;
  const rows = await db
    .selectFrom('identity_project_tag')
    .select(['project_id', 'name'])
    .where('project_id', 'in', [...projectIds])
    .orderBy('name')
    .execute();
  for (const r of rows) out.set(r.project_id, [...(out.get(r.project_id) ?? []), r.name]);
  return out;
}
