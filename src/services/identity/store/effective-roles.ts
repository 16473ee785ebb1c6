import type { IdentityDb } from './db.ts';
import { groupIdsOfUser } from './users.ts';
import { ancestorsOf, type Project } from './projects.ts';
import { expandImplied, impliedRoleRules, rolesByIds, type Role } from './roles.ts';

export type RoleTarget =
  | { readonly kind: 'project'; readonly project: Project }
  | { readonly kind: 'domain'; readonly domainId: string }
  | { readonly kind: 'system' };

/**
 * The role ids a user holds directly or through a group on a target, before implied roles
 * are expanded: direct assignments on the target itself, plus assignments flagged
 * inherited on any of a project's parents or its domain (OS-INHERIT).
 */
export async function assignedRoleIds(db: IdentityDb, userId: string, target: RoleTarget): Promise<Set<string>> {
  const actors = [userId, ...(await groupIdsOfUser(db, userId))];
  let query = db.selectFrom('identity_assignment').select('role_id').where('actor_id', 'in', actors);
  if (target.kind === 'system') {
    query = query.where('type', 'in', ['UserSystem', 'GroupSystem']).where('target_id', '=', 'system');
  } else if (target.kind === 'domain') {
    query = query
      .where('type', 'in', ['UserDomain', 'GroupDomain'])
      .where('target_id', '=', target.domainId)
      .where('inherited', '=', 0);
  } else {
    const ancestors = (await ancestorsOf(db, target.project)).map((p) => p.id);
    const project = target.project.id;
    query = query.where((eb) =>
      eb.or([
        eb.and([eb('target_id', '=', project), eb('inherited', '=', 0), eb('type', 'in', ['UserProject', 'GroupProject'])]),
        ...(ancestors.length
          ? [eb.and([eb('target_id', 'in', ancestors), eb('inherited', '=', 1)])]
          : []),
      ]),
    );
  }
  const rows = await query.execute();
  return new Set(rows.map((r) => r.role_id));
}

/**
 * The roles a token for this user and target carries: assigned roles with implied roles
 * expanded. Domain-specific roles only contribute the global roles they imply, as in
 * Keystone, so they never appear in a token themselves.
 */
export async function effectiveRoles(db: IdentityDb, userId: string, target: RoleTarget): Promise<Role[]> {
  const assigned = await assignedRoleIds(db, userId, target);
  if (assigned.size === 0) return [];
  const expanded = expandImplied(assigned, await impliedRoleRules(db));
  const roles = await rolesByIds(db, [...expanded]);
  return roles.filter((r) => r.domainId === null).sort((a, b) => a.name.localeCompare(b.name));
}
