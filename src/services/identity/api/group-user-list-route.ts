import { domainIdOf } from '../../../core/auth/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { getGroup } from '../store/groups.ts';
import { listUsers } from '../store/users.ts';
import { linkBase } from './base-url.ts';
import { GroupIdParams } from './group-schemas.ts';
import {
  applyListLimit,
  nameComparators,
  parseExpiryFilter,
  queryBool,
  queryValue,
} from './user-filters.ts';
import { userView } from './user-views.ts';
import { collection, queryOf } from './views.ts';

/** GET /v3/groups/{group_id}/users, with the user list's filters. */
export function groupUserListRoute(env: IdentityEnv): RouteSpec {
  return defineRoute({
    method: 'GET',
    url: '/v3/groups/:group_id/users',
    policy: 'identity:list_users_in_group',
    schema: { params: GroupIdParams },
    async target(call) {
      const group = await getGroup(env.db, call.params.group_id);
      return group ? { 'target.group.id': group.id, 'target.group.domain_id': group.domainId } : {};
    },
    async handler(call) {
      const groupId = call.params.group_id;
      if (!(await getGroup(env.db, groupId))) throw identityErrors.groupNotFound(groupId);
      const q = call.query;
      const domainId = queryValue(q, 'domain_id');
      const name = queryValue(q, 'name');
      const enabled = queryBool(q, 'enabled');
      const expiry = queryValue(q, 'password_expires_at');
      const expiresMatch = expiry !== undefined ? parseExpiryFilter(expiry) : undefined;
      const nameMatches = nameComparators(q);
      const scopeDomain = domainIdOf(call.ctx.auth);
      const users = (
        await listUsers(env.db, {
          groupId,
          ...(domainId !== undefined ? { domainId } : {}),
          ...(name !== undefined ? { name } : {}),
          ...(enabled !== undefined ? { enabled } : {}),
        })
      ).filter(
        (l) =>
          (!scopeDomain || l.user.domainId === scopeDomain) &&
          (!expiresMatch || expiresMatch(l.passwordExpiresAt)) &&
          nameMatches.every((m) => m(l.user.name)),
      );
      const base = linkBase(env, call);
      const { items, truncated } = applyListLimit(users, env.settings.list_limit);
      return collection(
        'users',
        items.map((l) => userView(l, base)),
        {
          baseUrl: base,
          path: `groups/${groupId}/users`,
          query: queryOf(call.request.url),
          truncated,
        },
      );
    },
  });
}
