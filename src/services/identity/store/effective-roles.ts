/**
 * Effective role assignments, Keystone's way: group grants become assignments of each
 * member, inherited grants (OS-INHERIT) land on the projects below their target, and
 * implied roles are added after the prior role. Token validation and the `effective`
 * listing of GET /v3/role_assignments both come from listEffectiveAssignments, so a token
 * carries exactly the roles the listing shows for that user and scope.
 */
import type { IdentityDb } from './db.ts';
import { groupIdsOfUser } from './users.ts';
import { ancestorsOf, type Project } from './projects.ts';
import { impliedRoleRules, rolesByIds, type Role } from './roles.ts';
import {
  findGrants,
  membersOfGroups,
  projectIdsInDomain,
  subtreeProjectIds,
  type ActorRef,
  type GrantQuery,
  type ScopeRef,
} from './assignments.ts';

export type RoleTarget =
  | { readonly kind: 'project'; readonly project: Project }
  | { readonly kind: 'domain'; readonly domainId: string }
  | { readonly kind: 'system' };

/** Where an effective assignment came from, as Keystone's `indirect` dict says it. */
export interface AssignmentSource {
  readonly groupId?: string;
  /** The project an inherited grant sits on. */
  readonly projectId?: string;
  /** The domain an inherited grant sits on. */
  readonly domainId?: string;
  /** The prior role this one is implied by. */
  readonly roleId?: string;
}

/** One role assignment as the listing API shows it (a stored grant or a derived one). */
export interface RoleAssignment {
  readonly actor: ActorRef;
  readonly scope: ScopeRef;
  readonly roleId: string;
  /** A stored inherited grant shown as itself (direct listings only). */
  readonly inherited: boolean;
  readonly indirect: AssignmentSource;
}

export interface EffectiveQuery {
  readonly userId?: string;
  readonly roleId?: string;
  readonly scope?: RoleTarget;
  /** With a project scope: the project's subtree, whose assignments count too. */
  readonly subtreeIds?: readonly string[];
  /** OS-INHERIT filter: only inherited (true) or only direct (false) grants as sources. */
  readonly inherited?: boolean;
}

interface Expanded {
  readonly assignments: RoleAssignment[];
  readonly roles: Map<string, Role>;
}

/**
 * Assignments before implied roles: the grants that reach the query's user and scope,
 * with group grants expanded to members and inherited grants placed on projects.
 */
async function baseAssignments(db: IdentityDb, q: EffectiveQuery): Promise<RoleAssignment[]> {
  const scope = q.scope;
  // Domains inherit nothing, and the system has no inheritance at all.
  if (scope && scope.kind !== 'project' && q.inherited === true) return [];
  const inherited = scope && scope.kind !== 'project' ? false : q.inherited;
  const actors = q.userId
    ? { users: [q.userId], groups: await groupIdsOfUser(db, q.userId) }
    : undefined;
  const interest =
    scope?.kind === 'project' ? [scope.project.id, ...(q.subtreeIds ?? [])] : undefined;

  const queries: GrantQuery[] = [];
  if (inherited !== true) {
    if (scope?.kind === 'project')
      queries.push({ actors, scopeKinds: ['project'], targetIds: interest, inherited: false });
    else if (scope?.kind === 'domain')
      queries.push({
        actors,
        scopeKinds: ['domain'],
        targetIds: [scope.domainId],
        inherited: false,
      });
    else if (scope?.kind === 'system') queries.push({ actors, scopeKinds: ['system'] });
    else queries.push({ actors, scopeKinds: ['project', 'domain'], inherited: false });
  }
  if (inherited !== false && (scope === undefined || scope.kind === 'project')) {
    let sources: string[] | undefined;
    if (scope?.kind === 'project') {
      // Inherited grants reaching a project sit on its domain or a parent (the chain
      // ends at the domain), or, with a subtree, on a project inside it.
      const parents = (await ancestorsOf(db, scope.project)).map((p) => p.id);
      sources = [
        ...new Set([scope.project.domainId, ...parents, ...(q.subtreeIds ? interest! : [])]),
      ];
    }
    queries.push({
      actors,
      scopeKinds: ['project', 'domain'],
      targetIds: sources,
      inherited: true,
    });
  }
  const grants = await findGrants(db, queries);

  const groupIds = [
    ...new Set(grants.filter((g) => g.actor.kind === 'group').map((g) => g.actor.id)),
  ];
  const members = q.userId ? undefined : await membersOfGroups(db, groupIds);
  const placements = new Map<string, Promise<string[]>>();
  const place = (key: string, load: () => Promise<string[]>) => {
    let p = placements.get(key);
    if (!p) placements.set(key, (p = load()));
    return p;
  };

  const out: RoleAssignment[] = [];
  for (const g of grants) {
    const users =
      g.actor.kind === 'user'
        ? [g.actor.id]
        : q.userId
          ? [q.userId]
          : (members!.get(g.actor.id) ?? []);
    const viaGroup: AssignmentSource = g.actor.kind === 'group' ? { groupId: g.actor.id } : {};
    if (!g.inherited || g.scope.kind === 'system') {
      for (const u of users) {
        out.push({
          actor: { kind: 'user', id: u },
          scope: g.scope,
          roleId: g.roleId,
          inherited: false,
          indirect: viaGroup,
        });
      }
      continue;
    }
    const point = g.scope;
    let projectIds: readonly string[];
    if (interest) {
      projectIds =
        q.subtreeIds && point.kind === 'project' && interest.includes(point.id)
          ? await place(`p:${point.id}`, () => subtreeProjectIds(db, point.id))
          : interest;
    } else if (point.kind === 'domain') {
      projectIds = await place(`d:${point.id}`, () => projectIdsInDomain(db, point.id));
    } else {
      projectIds = await place(`p:${point.id}`, () => subtreeProjectIds(db, point.id));
    }
    const via: AssignmentSource =
      point.kind === 'domain'
        ? { ...viaGroup, domainId: point.id }
        : { ...viaGroup, projectId: point.id };
    for (const u of users) {
      for (const projectId of projectIds) {
        out.push({
          actor: { kind: 'user', id: u },
          scope: { kind: 'project', id: projectId },
          roleId: g.roleId,
          inherited: false,
          indirect: via,
        });
      }
    }
  }
  return out;
}

/** Adds an assignment for every role each assignment's role implies, transitively. */
function withImplied(
  base: readonly RoleAssignment[],
  rules: ReadonlyArray<{ prior: string; implied: string }>,
): RoleAssignment[] {
  const byPrior = new Map<string, string[]>();
  for (const r of rules) byPrior.set(r.prior, [...(byPrior.get(r.prior) ?? []), r.implied]);
  const out: RoleAssignment[] = [];
  for (const a of base) {
    out.push(a);
    // Each implication edge is followed once per source assignment, so cycles end.
    const followed = new Set<string>();
    const stack = [a.roleId];
    while (stack.length) {
      const prior = stack.pop()!;
      for (const implied of byPrior.get(prior) ?? []) {
        const edge = `${prior}>${implied}`;
        if (followed.has(edge)) continue;
        followed.add(edge);
        out.push({ ...a, roleId: implied, indirect: { ...a.indirect, roleId: prior } });
        stack.push(implied);
      }
    }
  }
  return out;
}

async function expand(
  db: IdentityDb,
  q: EffectiveQuery,
  stripDomainRoles: boolean,
): Promise<Expanded> {
  const base = await baseAssignments(db, q);
  if (base.length === 0) return { assignments: [], roles: new Map() };
  let all = withImplied(base, await impliedRoleRules(db));
  const roles = new Map(
    (await rolesByIds(db, [...new Set(all.map((a) => a.roleId))])).map((r) => [r.id, r]),
  );
  // Domain-specific roles only serve to imply global ones; they never reach a token.
  if (stripDomainRoles) all = all.filter((a) => roles.get(a.roleId)?.domainId === null);
  if (q.roleId !== undefined) all = all.filter((a) => a.roleId === q.roleId);
  return { assignments: all, roles };
}

/**
 * The effective assignments matching a query (GET /v3/role_assignments?effective). Group
 * filters make no sense here (groups are expanded away), so there is none.
 */
export async function listEffectiveAssignments(
  db: IdentityDb,
  q: EffectiveQuery,
): Promise<RoleAssignment[]> {
  return (await expand(db, q, true)).assignments;
}

/**
 * The role ids a user holds directly or through a group on a target, before implied roles
 * are expanded: direct assignments on the target itself, plus assignments flagged
 * inherited on any of a project's parents or its domain (OS-INHERIT).
 */
export async function assignedRoleIds(
  db: IdentityDb,
  userId: string,
  target: RoleTarget,
): Promise<Set<string>> {
  return new Set((await baseAssignments(db, { userId, scope: target })).map((a) => a.roleId));
}

/**
 * The roles a token for this user and target carries: assigned roles with implied roles
 * expanded. Domain-specific roles only contribute the global roles they imply, as in
 * Keystone, so they never appear in a token themselves.
 */
export async function effectiveRoles(
  db: IdentityDb,
  userId: string,
  target: RoleTarget,
): Promise<Role[]> {
  const { assignments, roles } = await expand(db, { userId, scope: target }, true);
  const ids = new Set(assignments.map((a) => a.roleId));
  return [...ids].map((id) => roles.get(id)!).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Where a user holds at least one effective role: the projects (inherited grants placed)
 * and the domains. One pass over the user's grants rather than one per project, for
 * GET /v3/auth/projects, /v3/auth/domains and /v3/users/{id}/projects.
 */
export async function scopesWithRoles(
  db: IdentityDb,
  userId: string,
): Promise<{ projectIds: string[]; domainIds: string[] }> {
  const { assignments } = await expand(db, { userId }, true);
  const projectIds = new Set<string>();
  const domainIds = new Set<string>();
  for (const a of assignments) {
    if (a.scope.kind === 'project') projectIds.add(a.scope.id);
    else if (a.scope.kind === 'domain') domainIds.add(a.scope.id);
  }
  return { projectIds: [...projectIds], domainIds: [...domainIds] };
}
