import { domainIdOf } from '../../../core/auth/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { badRequest } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { DEFAULT_DOMAIN_ID, newId } from '../ids.ts';
import {
  addMember,
  deleteGroupAndDependents,
  getGroup,
  insertGroup,
  isMember,
  listGroups,
  removeMember,
  updateGroup,
  type Group,
} from '../store/groups.ts';
import { getDomain } from '../store/projects.ts';
import { getUser } from '../store/users.ts';
import { linkBase } from './base-url.ts';
import {
  CreateGroupBody,
  GroupIdParams,
  GroupUserParams,
  UpdateGroupBody,
} from './group-schemas.ts';
import { groupUserListRoute } from './group-user-list-route.ts';
import { groupView } from './group-views.ts';
import { applyListLimit, nameComparators, queryValue } from './user-filters.ts';
import { extraAttributes } from './user-attributes.ts';
import { collection, queryOf } from './views.ts';

const GROUP_FIELDS = new Set(['id', 'name', 'domain_id', 'description', 'links']);

/** Policy target of a group route: the group's id and domain when it exists (else bare, as Keystone). */
async function groupTarget(
  env: IdentityEnv,
  groupId: string,
  userId?: string,
): Promise<Record<string, unknown>> {
  const target: Record<string, unknown> = {};
  const group = await getGroup(env.db, groupId);
  if (group)
    Object.assign(target, {
      'target.group.id': group.id,
      'target.group.domain_id': group.domainId,
    });
  if (userId !== undefined) {
    const user = await getUser(env.db, userId);
    if (user)
      Object.assign(target, { 'target.user.id': user.id, 'target.user.domain_id': user.domainId });
  }
  return target;
}

async function loadGroup(env: IdentityEnv, groupId: string): Promise<Group> {
  const group = await getGroup(env.db, groupId);
  if (!group) throw identityErrors.groupNotFound(groupId);
  return group;
}

/** Both ends of a membership must exist; the group is checked first, as in Keystone. */
async function loadMembershipEnds(
  env: IdentityEnv,
  groupId: string,
  userId: string,
): Promise<void> {
  await loadGroup(env, groupId);
  if (!(await getUser(env.db, userId))) throw identityErrors.userNotFound(userId);
}

function duplicateName(err: unknown, name: string): unknown {
  return isUniqueViolation(err) ? identityErrors.duplicate('group', 'name', name) : err;
}

async function listGroupsCall(env: IdentityEnv, call: ApiCall): Promise<Record<string, unknown>> {
  const base = linkBase(env, call);
  const self = { baseUrl: base, path: 'groups', query: queryOf(call.request.url) };
  const scopeDomain = domainIdOf(call.ctx.auth);
  const askedDomain = queryValue(call.query, 'domain_id');
  if (scopeDomain && askedDomain && askedDomain !== scopeDomain)
    return collection('groups', [], self);
  const domainId = scopeDomain ?? askedDomain;
  const name = queryValue(call.query, 'name');
  const nameMatches = nameComparators(call.query);
  const groups = (
    await listGroups(env.db, {
      ...(domainId !== undefined ? { domainId } : {}),
      ...(name !== undefined ? { name } : {}),
    })
  ).filter((g) => nameMatches.every((m) => m(g.name)));
  const { items, truncated } = applyListLimit(groups, env.settings.list_limit);
  return collection(
    'groups',
    items.map((g) => groupView(g, base)),
    { ...self, truncated },
  );
}

export function groupRoutes(env: IdentityEnv): RouteSpec[] {
  // The membership routes share the URL, parameters, status and policy target.
  const membership = {
    url: '/v3/groups/:group_id/users/:user_id',
    schema: { params: GroupUserParams },
    status: 204,
    target: (call: ApiCall<{ params: typeof GroupUserParams }>) =>
      groupTarget(env, call.params.group_id, call.params.user_id),
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/groups',
      policy: 'identity:list_groups',
      target(call) {
        const domainId = domainIdOf(call.ctx.auth);
        return domainId ? { 'target.group.domain_id': domainId } : {};
      },
      handler: (call) => listGroupsCall(env, call),
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/groups',
      policy: 'identity:create_group',
      schema: { body: CreateGroupBody },
      status: 201,
      target: (call) => ({ 'target.group.domain_id': call.body.group.domain_id }),
      async handler(call) {
        const body = call.body.group;
        const domainId = body.domain_id ?? domainIdOf(call.ctx.auth) ?? DEFAULT_DOMAIN_ID;
        if (!(await getDomain(env.db, domainId))) throw identityErrors.domainNotFound(domainId);
        const group: Group = {
          id: newId(),
          domainId,
          name: body.name.trim(),
          description: body.description ?? '',
          extra: extraAttributes(body, GROUP_FIELDS),
        };
        try {
          await insertGroup(env.db, group);
        } catch (err) {
          throw duplicateName(err, group.name);
        }
        return { group: groupView(group, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/groups/:group_id',
      policy: 'identity:get_group',
      schema: { params: GroupIdParams },
      target: (call) => groupTarget(env, call.params.group_id),
      async handler(call) {
        return {
          group: groupView(await loadGroup(env, call.params.group_id), linkBase(env, call)),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/groups/:group_id',
      policy: 'identity:update_group',
      schema: { params: GroupIdParams, body: UpdateGroupBody },
      target: (call) => groupTarget(env, call.params.group_id),
      async handler(call) {
        const groupId = call.params.group_id;
        const patch = call.body.group;
        const group = await loadGroup(env, groupId);
        if (patch.id !== undefined && patch.id !== groupId)
          throw badRequest('Cannot change group ID', 'identity.validation_error');
        if (patch.domain_id !== undefined && patch.domain_id !== group.domainId) {
          throw badRequest('Cannot change Domain ID', 'identity.validation_error');
        }
        const extra = extraAttributes(patch, GROUP_FIELDS);
        const name = patch.name?.trim();
        try {
          await updateGroup(env.db, groupId, {
            ...(name !== undefined ? { name } : {}),
            ...(patch.description !== undefined ? { description: patch.description ?? '' } : {}),
            ...(Object.keys(extra).length ? { extra: { ...group.extra, ...extra } } : {}),
          });
        } catch (err) {
          throw duplicateName(err, name ?? group.name);
        }
        return { group: groupView(await loadGroup(env, groupId), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/groups/:group_id',
      policy: 'identity:delete_group',
      schema: { params: GroupIdParams },
      status: 204,
      target: (call) => groupTarget(env, call.params.group_id),
      async handler(call) {
        const groupId = call.params.group_id;
        await loadGroup(env, groupId);
        await env.db.transaction().execute((trx) => deleteGroupAndDependents(trx, groupId));
        return undefined;
      },
    }),
    groupUserListRoute(env),
    defineRoute({
      method: 'PUT',
      ...membership,
      policy: 'identity:add_user_to_group',
      async handler(call) {
        const { group_id: groupId, user_id: userId } = call.params;
        await loadMembershipEnds(env, groupId, userId);
        await addMember(env.db, groupId, userId);
        return undefined;
      },
    }),
    // HEAD is declared first so Fastify does not derive its own HEAD from the GET.
    defineRoute({
      method: ['HEAD', 'GET'],
      ...membership,
      policy: 'identity:check_user_in_group',
      async handler(call) {
        const { group_id: groupId, user_id: userId } = call.params;
        await loadMembershipEnds(env, groupId, userId);
        if (!(await isMember(env.db, groupId, userId)))
          throw identityErrors.groupMembershipNotFound(userId, groupId);
        return undefined;
      },
    }),
    // Membership changes revoke nothing: a token's roles are re-read when it is validated,
    // so the group's grants stop applying to the user at once.
    defineRoute({
      method: 'DELETE',
      ...membership,
      policy: 'identity:remove_user_from_group',
      async handler(call) {
        const { group_id: groupId, user_id: userId } = call.params;
        if (await removeMember(env.db, groupId, userId)) return undefined;
        await loadMembershipEnds(env, groupId, userId);
        throw identityErrors.groupMembershipNotFound(userId, groupId);
      },
    }),
  ];
}
