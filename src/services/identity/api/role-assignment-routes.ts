import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { domainIdOf } from '../../../core/auth/index.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import { loadAssignmentNames } from '../store/assignment-names.ts';
import {
  listDirectGrants,
  subtreeProjectIds,
  type DirectGrantQuery,
} from '../store/assignments.ts';
import {
  listEffectiveAssignments,
  type EffectiveQuery,
  type RoleAssignment,
  type RoleTarget,
} from '../store/effective-roles.ts';
import { getProject } from '../store/projects.ts';
import { getUser } from '../store/users.ts';
import { linkBase } from './base-url.ts';
import { roleAssignmentView } from './role-assignment-views.ts';
import { collection, queryOf } from './views.ts';

const opt = Type.Optional(Type.String());
const AssignmentQuery = Type.Object({
  'user.id': opt,
  'group.id': opt,
  'role.id': opt,
  'scope.project.id': opt,
  'scope.domain.id': opt,
  'scope.system': opt,
  'scope.OS-INHERIT:inherited_to': opt,
  effective: opt,
  include_names: opt,
  include_subtree: opt,
});

type Query = Partial<Record<string, string>>;

/** Keystone's boolean query flags: present and not `0` means true (`?effective` alone too). */
function flag(q: Query, name: string): boolean {
  return name in q && q[name] !== undefined && q[name] !== '0';
}

/** A filter counts when it is present and non-empty, as Keystone's truthiness checks go. */
function given(q: Query, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Keystone's checks on filter combinations, each a 400 with its message. */
function assertSensibleFilters(q: Query, effective: boolean): void {
  const fail = (m: string) => identityErrors.validation(m);
  if (given(q, 'scope.domain.id') && given(q, 'scope.project.id'))
    throw fail('Specify a domain or project, not both');
  if (given(q, 'scope.domain.id') && given(q, 'scope.system'))
    throw fail('Specify system or domain, not both');
  if (given(q, 'scope.project.id') && given(q, 'scope.system'))
    throw fail('Specify system or project, not both');
  if (given(q, 'user.id') && given(q, 'group.id')) throw fail('Specify a user or group, not both');
  if (effective) {
    if (given(q, 'group.id'))
      throw fail('Combining effective and group filter will always result in an empty list.');
    if (inheritedFilter(q) === true && given(q, 'scope.domain.id')) {
      throw fail(
        'Combining effective, domain and inherited filters will always result in an empty list.',
      );
    }
  }
}

function inheritedFilter(q: Query): boolean | undefined {
  const v = q['scope.OS-INHERIT:inherited_to'];
  return v === undefined ? undefined : v === 'projects';
}

async function listAssignments(
  env: IdentityEnv,
  q: Query,
  includeSubtree: boolean,
): Promise<RoleAssignment[]> {
  const effective = flag(q, 'effective');
  assertSensibleFilters(q, effective);
  const projectId = given(q, 'scope.project.id');
  const domainId = given(q, 'scope.domain.id');
  const system = q['scope.system'] === 'all';
  const inherited = inheritedFilter(q);
  const project = projectId !== undefined ? await getProject(env.db, projectId) : undefined;
  let subtreeIds: string[] | undefined;
  if (projectId !== undefined && includeSubtree) {
    if (!project) throw identityErrors.projectNotFound(projectId);
    subtreeIds = await subtreeProjectIds(env.db, projectId);
  }

  if (!effective) {
    const scope: DirectGrantQuery['scope'] = projectId
      ? { kind: 'project', ids: [projectId, ...(subtreeIds ?? [])] }
      : domainId
        ? { kind: 'domain', id: domainId }
        : system
          ? { kind: 'system' }
          : undefined;
    const grants = await listDirectGrants(env.db, {
      userId: given(q, 'user.id'),
      groupId: given(q, 'group.id'),
      roleId: given(q, 'role.id'),
      scope,
      inherited,
    });
    return grants.map((g) => ({ ...g, indirect: {} }));
  }

  const userId = given(q, 'user.id');
  if (userId !== undefined && !(await getUser(env.db, userId)))
    throw identityErrors.userNotFound(userId);
  let scope: RoleTarget | undefined;
  if (projectId !== undefined) {
    if (!project) throw identityErrors.projectNotFound(projectId);
    scope = { kind: 'project', project };
  } else if (domainId !== undefined) {
    scope = { kind: 'domain', domainId };
  } else if (system) {
    scope = { kind: 'system' };
  }
  const query: EffectiveQuery = {
    userId,
    roleId: given(q, 'role.id'),
    scope,
    subtreeIds,
    inherited,
  };
  return listEffectiveAssignments(env.db, query);
}

/** A domain-scoped caller sees only assignments on its domain or on the domain's projects. */
async function withinDomain(
  env: IdentityEnv,
  list: RoleAssignment[],
  domainId: string,
): Promise<RoleAssignment[]> {
  const projectIds = list.flatMap((a) => (a.scope.kind === 'project' ? [a.scope.id] : []));
  const names = await loadAssignmentNames(env.db, {
    users: [],
    groups: [],
    roles: [],
    projects: projectIds,
  });
  return list.filter((a) =>
    a.scope.kind === 'domain'
      ? a.scope.id === domainId
      : a.scope.kind === 'project' && names.projects.get(a.scope.id)?.domainId === domainId,
  );
}

async function respond(
  env: IdentityEnv,
  call: ApiCall,
  list: RoleAssignment[],
): Promise<Record<string, unknown>> {
  const q = call.query as Query;
  const base = linkBase(env, call);
  const names = flag(q, 'include_names')
    ? await loadAssignmentNames(env.db, {
        users: list.flatMap((a) => (a.actor.kind === 'user' ? [a.actor.id] : [])),
        groups: list.flatMap((a) => (a.actor.kind === 'group' ? [a.actor.id] : [])),
        projects: list.flatMap((a) => (a.scope.kind === 'system' ? [] : [a.scope.id])),
        roles: list.map((a) => a.roleId),
      })
    : undefined;
  return collection(
    'role_assignments',
    list.map((a) => roleAssignmentView(a, base, names)),
    { baseUrl: base, path: 'role_assignments', query: queryOf(call.request.url) },
  );
}

export function roleAssignmentRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/role_assignments',
      policy: 'identity:list_role_assignments',
      schema: { querystring: AssignmentQuery },
      target(call) {
        const domainId = call.context ? domainIdOf(call.context.auth) : undefined;
        return domainId ? { 'target.domain_id': domainId, domain_id: domainId } : {};
      },
      async handler(call) {
        const q = call.query as Query;
        const includeSubtree = flag(q, 'include_subtree');
        if (includeSubtree) {
          // Keystone checks this rule (its project, when named, must exist) before
          // insisting on a project.
          const projectId = given(q, 'scope.project.id');
          const project = projectId !== undefined ? await getProject(env.db, projectId) : undefined;
          if (projectId !== undefined && !project) throw identityErrors.projectNotFound(projectId);
          call.authorize(
            'identity:list_role_assignments_for_tree',
            project
              ? { 'target.project.id': project.id, 'target.project.domain_id': project.domainId }
              : {},
          );
          if (projectId === undefined) {
            throw identityErrors.validation(
              'scope.project.id must be specified if include_subtree is also specified',
            );
          }
        }
        let list = await listAssignments(env, q, includeSubtree);
        const callerDomain = domainIdOf(call.ctx.auth);
        if (callerDomain !== undefined) list = await withinDomain(env, list, callerDomain);
        return respond(env, call, list);
      },
    }),
  ];
}
