import { domainIdOf } from '../../../core/auth/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { listGroups } from '../store/groups.ts';
import { projectsOfUser, tagsOfProjects } from '../store/user-projects.ts';
import { getUser } from '../store/users.ts';
import { linkBase } from './base-url.ts';
import { userGroupView } from './group-views.ts';
import { projectView } from './project-views.ts';
import { applyListLimit, nameComparators, queryBool, queryValue } from './user-filters.ts';
import { UserIdParams } from './user-schemas.ts';
import { userTarget } from './user-targets.ts';
import { collection, queryOf } from './views.ts';

/** The groups a user belongs to and the projects they can work on. */
export function userMembershipRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/users/:user_id/groups',
      policy: 'identity:list_groups_for_user',
      schema: { params: UserIdParams },
      target: (call) => userTarget(env, call.params.user_id),
      async handler(call) {
        const userId = call.params.user_id;
        if (!(await getUser(env.db, userId))) throw identityErrors.userNotFound(userId);
        const name = queryValue(call.query, 'name');
        const nameMatches = nameComparators(call.query);
        // A domain-scoped caller sees only the memberships in its domain.
        const scopeDomain = domainIdOf(call.ctx.auth);
        const groups = (
          await listGroups(env.db, { memberId: userId, ...(name !== undefined ? { name } : {}) })
        ).filter(
          (g) =>
            (!scopeDomain || g.domainId === scopeDomain) && nameMatches.every((m) => m(g.name)),
        );
        const base = linkBase(env, call);
        const { items, truncated } = applyListLimit(groups, env.settings.list_limit);
        return collection(
          'groups',
          items.map((g) => userGroupView(g, base)),
          {
            baseUrl: base,
            path: `users/${userId}/groups`,
            query: queryOf(call.request.url),
            truncated,
          },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/users/:user_id/projects',
      policy: 'identity:list_user_projects',
      schema: { params: UserIdParams },
      target: (call) => userTarget(env, call.params.user_id),
      async handler(call) {
        const userId = call.params.user_id;
        if (!(await getUser(env.db, userId))) throw identityErrors.userNotFound(userId);
        const domainId = queryValue(call.query, 'domain_id');
        const name = queryValue(call.query, 'name');
        const enabled = queryBool(call.query, 'enabled');
        const projects = (await projectsOfUser(env.db, userId)).filter(
          (p) =>
            (domainId === undefined || p.domainId === domainId) &&
            (name === undefined || p.name === name) &&
            (enabled === undefined || p.enabled === enabled),
        );
        const { items, truncated } = applyListLimit(projects, env.settings.list_limit);
        const tags = await tagsOfProjects(
          env.db,
          items.map((p) => p.id),
        );
        const base = linkBase(env, call);
        return collection(
          'projects',
          items.map((p) => projectView(p, base, tags.get(p.id) ?? [])),
          {
            baseUrl: base,
            path: `users/${userId}/projects`,
            query: queryOf(call.request.url),
            truncated,
          },
        );
      },
    }),
  ];
}
