/**
 * Role assignments (grants) as stored: one row per actor, target, role and inherited flag,
 * in Keystone's layout (`type` says which kind of actor and target the ids are).
 */
import type { IdentityDb } from './db.ts';
import type { AssignmentTable, AssignmentType } from './tables.ts';

/** The target id system assignments carry (Keystone stores the same literal). */
export const SYSTEM_TARGET = 'system';

export type ActorKind = 'user' | 'group';
export type ScopeKind = 'project' | 'domain' | 'system';

export interface ActorRef {
  readonly kind: ActorKind;
  readonly id: string;
}

export type ScopeRef =
  | { readonly kind: 'project'; readonly id: string }
  | { readonly kind: 'domain'; readonly id: string }
  | { readonly kind: 'system' };

/** One stored assignment. `inherited` means OS-INHERIT's inherited_to_projects. */
export interface Grant {
  readonly actor: ActorRef;
  readonly scope: ScopeRef;
  readonly roleId: string;
  readonly inherited: boolean;
}

const TYPES: Record<ActorKind, Record<ScopeKind, AssignmentType>> = {
  user: { project: 'UserProject', domain: 'UserDomain', system: 'UserSystem' },
  group: { project: 'GroupProject', domain: 'GroupDomain', system: 'GroupSystem' },
};

export function assignmentType(actor: ActorKind, scope: ScopeKind): AssignmentType {
  return TYPES[actor][scope];
}

function parseType(type: AssignmentType): { actor: ActorKind; scope: ScopeKind } {
  const actor: ActorKind = type.startsWith('User') ? 'user' : 'group';
  const rest = type.slice(actor === 'user' ? 4 : 5).toLowerCase();
  return { actor, scope: rest as ScopeKind };
}

export function grantFromRow(row: AssignmentTable): Grant {
  const { actor, scope } = parseType(row.type);
  return {
    actor: { kind: actor, id: row.actor_id },
    scope: scope === 'system' ? { kind: 'system' } : { kind: scope, id: row.target_id },
    roleId: row.role_id,
    inherited: Number(row.inherited) === 1,
  };
}

function rowOf(g: Grant): AssignmentTable {
  return {
    type: assignmentType(g.actor.kind, g.scope.kind),
    actor_id: g.actor.id,
    target_id: g.scope.kind === 'system' ? SYSTEM_TARGET : g.scope.id,
    role_id: g.roleId,
    inherited: g.inherited ? 1 : 0,
  };
}

function whereGrant(db: IdentityDb, g: Grant) {
  const r = rowOf(g);
  return db
    .selectFrom('identity_assignment')
    .select('role_id')
    .where('type', '=', r.type)
    .where('actor_id', '=', r.actor_id)
    .where('target_id', '=', r.target_id)
    .where('role_id', '=', r.role_id)
    .where('inherited', '=', r.inherited);
}

export async function hasGrant(db: IdentityDb, g: Grant): Promise<boolean> {
  return (await whereGrant(db, g).executeTakeFirst()) !== undefined;
}

/** Adds the grant; granting what is already granted is a no-op, as in Keystone. */
export async function addGrant(db: IdentityDb, g: Grant): Promise<void> {
  if (await hasGrant(db, g)) return;
  try {
    await db.insertInto('identity_assignment').values(rowOf(g)).execute();
  } catch (err) {
    // A concurrent identical grant won the race: the outcome is the same.
    if (!(await hasGrant(db, g))) throw err;
  }
}

/** Removes the grant; false when there was none. */
export async function removeGrant(db: IdentityDb, g: Grant): Promise<boolean> {
  const r = rowOf(g);
  const res = await db
    .deleteFrom('identity_assignment')
    .where('type', '=', r.type)
    .where('actor_id', '=', r.actor_id)
    .where('target_id', '=', r.target_id)
    .where('role_id', '=', r.role_id)
    .where('inherited', '=', r.inherited)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The role ids one actor holds directly on one target (the grant list APIs). */
export async function grantedRoleIds(
  db: IdentityDb,
  actor: ActorRef,
  scope: ScopeRef,
  inherited: boolean,
): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_assignment')
    .select('role_id')
    .where('type', '=', assignmentType(actor.kind, scope.kind))
    .where('actor_id', '=', actor.id)
    .where('target_id', '=', scope.kind === 'system' ? SYSTEM_TARGET : scope.id)
    .where('inherited', '=', inherited ? 1 : 0)
    .execute();
  return rows.map((r) => r.role_id);
}

/**
 * Which stored grants a query wants. Every field narrows; an absent field does not.
 * `actors` lists the users and groups whose grants count (absent: everyone's).
 */
export interface GrantQuery {
  readonly actors?: { readonly users: readonly string[]; readonly groups: readonly string[] };
  readonly actorKind?: ActorKind;
  readonly scopeKinds?: readonly ScopeKind[];
  readonly targetIds?: readonly string[];
  readonly roleId?: string;
  readonly inherited?: boolean;
}

/** Grants matching any of the queries (OR), in one round trip. */
export async function findGrants(db: IdentityDb, queries: readonly GrantQuery[]): Promise<Grant[]> {
  if (queries.length === 0) return [];
  const rows = await db
    .selectFrom('identity_assignment')
    .selectAll()
    .where((eb) =>
      eb.or(
        queries.map((q) => {
          const kinds = q.scopeKinds ?? (['project', 'domain', 'system'] as const);
          const actorKinds: ActorKind[] = q.actorKind ? [q.actorKind] : ['user', 'group'];
          const conds = [];
          if (q.actors) {
            const byKind = actorKinds.flatMap((a) => {
              const ids = a === 'user' ? q.actors!.users : q.actors!.groups;
              if (ids.length === 0) return [];
              return [
                eb.and([
                  eb(
                    'type',
                    'in',
                    kinds.map((k) => assignmentType(a, k)),
                  ),
                  eb('actor_id', 'in', [...ids]),
                ]),
              ];
            });
            if (byKind.length === 0) return eb(eb.val(1), '=', 0);
            conds.push(eb.or(byKind));
          } else {
            conds.push(
              eb(
                'type',
                'in',
                actorKinds.flatMap((a) => kinds.map((k) => assignmentType(a, k))),
              ),
            );
          }
          if (q.targetIds) {
            if (q.targetIds.length === 0) return eb(eb.val(1), '=', 0);
            conds.push(eb('target_id', 'in', [...q.targetIds]));
          }
          if (q.roleId !== undefined) conds.push(eb('role_id', '=', q.roleId));
          if (q.inherited !== undefined) conds.push(eb('inherited', '=', q.inherited ? 1 : 0));
          return eb.and(conds);
        }),
      ),
    )
    .execute();
  return rows.map(grantFromRow);
}

/** Removes every grant of a user or group (when it is deleted). */
export async function deleteGrantsOfActor(db: IdentityDb, actor: ActorRef): Promise<void> {
  await db
    .deleteFrom('identity_assignment')
    .where('actor_id', '=', actor.id)
    .where(
      'type',
      'in',
      (['project', 'domain', 'system'] as const).map((k) => assignmentType(actor.kind, k)),
    )
    .execute();
}

/** Removes every grant on a project or domain (when it is deleted). */
export async function deleteGrantsOnTarget(
  db: IdentityDb,
  scope: { kind: 'project' | 'domain'; id: string },
): Promise<void> {
  await db
    .deleteFrom('identity_assignment')
    .where('target_id', '=', scope.id)
    .where('type', 'in', [assignmentType('user', scope.kind), assignmentType('group', scope.kind)])
    .execute();
}

/** Members of each group, for expanding group grants into user assignments. */
export async function membersOfGroups(
  db: IdentityDb,
  groupIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('identity_group_membership')
    .select(['group_id', 'user_id'])
    .where('group_id', 'in', [...groupIds])
    .orderBy('user_id')
    .execute();
  for (const r of rows) out.set(r.group_id, [...(out.get(r.group_id) ?? []), r.user_id]);
  return out;
}

/** Ids of every project (not domain) below a project, nearest levels first; not the project itself. */
export async function subtreeProjectIds(db: IdentityDb, projectId: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set([projectId]);
  let level = [projectId];
  while (level.length) {
    const rows = await db
      .selectFrom('identity_project')
      .select('id')
      .where('parent_id', 'in', level)
      .where('is_domain', '=', 0)
      .execute();
    level = rows.map((r) => r.id).filter((id) => !seen.has(id));
    for (const id of level) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/** Ids of every project owned by a domain. */
export async function projectIdsInDomain(db: IdentityDb, domainId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_project')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('is_domain', '=', 0)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Filters of a plain (not effective) assignment listing, as GET /v3/role_assignments takes them. */
export interface DirectGrantQuery {
  readonly userId?: string;
  readonly groupId?: string;
  readonly roleId?: string;
  /** A project (with its subtree when asked), a domain, or the system. */
  readonly scope?:
    | { readonly kind: 'project'; readonly ids: readonly string[] }
    | { readonly kind: 'domain'; readonly id: string }
    | { readonly kind: 'system' };
  readonly inherited?: boolean;
}

/**
 * Stored grants matching the filters. Without a scope filter the system grants are listed
 * too; the inherited filter applies to project and domain grants only (Keystone's rules).
 */
export async function listDirectGrants(db: IdentityDb, q: DirectGrantQuery): Promise<Grant[]> {
  const actors = q.userId
    ? { users: [q.userId], groups: [] }
    : q.groupId
      ? { users: [], groups: [q.groupId] }
      : undefined;
  const base = { actors, roleId: q.roleId };
  const queries: GrantQuery[] = [];
  const scope = q.scope;
  if (scope?.kind !== 'system') {
    queries.push({
      ...base,
      scopeKinds: scope ? [scope.kind] : ['project', 'domain'],
      targetIds:
        scope?.kind === 'project' ? scope.ids : scope?.kind === 'domain' ? [scope.id] : undefined,
      inherited: q.inherited,
    });
  }
  if (scope === undefined || scope.kind === 'system')
    queries.push({ ...base, scopeKinds: ['system'] });
  return findGrants(db, queries);
}
