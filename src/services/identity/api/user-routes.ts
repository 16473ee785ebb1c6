import { domainIdOf } from '../../../core/auth/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { badRequest } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { DEFAULT_DOMAIN_ID, newId } from '../ids.ts';
import { adminPasswordRecord, historyKept } from '../password-policy.ts';
import { getDomain } from '../store/projects.ts';
import {
  addPassword,
  deleteUserAndDependents,
  getUser,
  getUserListing,
  insertUser,
  listUsers,
  replacePassword,
  updateUser,
  type UserChanges,
  type UserListing,
} from '../store/users.ts';
import { linkBase } from './base-url.ts';
import {
  applyListLimit,
  nameComparators,
  parseExpiryFilter,
  queryBool,
  queryValue,
} from './user-filters.ts';
import { userMembershipRoutes } from './user-membership-routes.ts';
import { userPasswordRoutes } from './user-password-routes.ts';
import { CreateUserBody, UpdateUserBody, UserIdParams } from './user-schemas.ts';
import { assertDefaultProjectNotDomain, extraAttributes, mergeOptions } from './user-attributes.ts';
import { userTarget } from './user-targets.ts';
import { userView } from './user-views.ts';
import { collection, queryOf } from './views.ts';

/** Filters that only federated (shadow) users can match; strata has none. */
const FEDERATION_FILTERS = ['idp_id', 'protocol_id', 'unique_id'];

async function loadListing(env: IdentityEnv, userId: string): Promise<UserListing> {
  const listing = await getUserListing(env.db, userId);
  if (!listing) throw identityErrors.userNotFound(userId);
  return listing;
}

function duplicateName(err: unknown, name: string): unknown {
  return isUniqueViolation(err) ? identityErrors.duplicate('user', 'name', name) : err;
}

async function listUsersCall(env: IdentityEnv, call: ApiCall): Promise<Record<string, unknown>> {
  const q = call.query;
  const base = linkBase(env, call);
  const self = { baseUrl: base, path: 'users', query: queryOf(call.request.url) };
  if (FEDERATION_FILTERS.some((f) => q[f] !== undefined)) return collection('users', [], self);
  // A domain-scoped token sees only its domain's users, whatever the query asks.
  const scopeDomain = domainIdOf(call.ctx.auth);
  const askedDomain = queryValue(q, 'domain_id');
  if (scopeDomain && askedDomain && askedDomain !== scopeDomain)
    return collection('users', [], self);
  const domainId = scopeDomain ?? askedDomain;
  const name = queryValue(q, 'name');
  const enabled = queryBool(q, 'enabled');
  const expiry = queryValue(q, 'password_expires_at');
  const expiresMatch = expiry !== undefined ? parseExpiryFilter(expiry) : undefined;
  const nameMatches = nameComparators(q);
  const found = await listUsers(env.db, {
    ...(domainId !== undefined ? { domainId } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
  });
  const kept = found.filter(
    (l) =>
      (!expiresMatch || expiresMatch(l.passwordExpiresAt)) &&
      nameMatches.every((m) => m(l.user.name)),
  );
  const { items, truncated } = applyListLimit(kept, env.settings.list_limit);
  return collection(
    'users',
    items.map((l) => userView(l, base)),
    { ...self, truncated },
  );
}

export function userRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/users',
      policy: 'identity:list_users',
      target(call) {
        const domainId = domainIdOf(call.ctx.auth);
        return domainId ? { 'target.domain_id': domainId } : {};
      },
      handler: (call) => listUsersCall(env, call),
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/users',
      policy: 'identity:create_user',
      schema: { body: CreateUserBody },
      status: 201,
      target: (call) => ({ 'target.user.domain_id': call.body.user.domain_id }),
      async handler(call) {
        const body = call.body.user;
        const domainId = body.domain_id ?? domainIdOf(call.ctx.auth) ?? DEFAULT_DOMAIN_ID;
        if (!(await getDomain(env.db, domainId))) throw identityErrors.domainNotFound(domainId);
        await assertDefaultProjectNotDomain(env, body.default_project_id);
        const options = mergeOptions({}, body.options);
        const password =
          body.password === undefined || body.password === null
            ? undefined
            : await adminPasswordRecord(env, body.password, options);
        const id = newId();
        const name = body.name.trim();
        try {
          await env.db.transaction().execute(async (trx) => {
            await insertUser(trx, {
              id,
              domainId,
              name,
              enabled: body.enabled ?? true,
              defaultProjectId: body.default_project_id ?? null,
              description: body.description ?? null,
              extra: extraAttributes(body),
              options,
              createdAt: env.now(),
            });
            if (password) await addPassword(trx, id, password);
          });
        } catch (err) {
          throw duplicateName(err, name);
        }
        return { user: userView(await loadListing(env, id), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/users/:user_id',
      policy: 'identity:get_user',
      schema: { params: UserIdParams },
      target: (call) => userTarget(env, call.params.user_id),
      async handler(call) {
        return { user: userView(await loadListing(env, call.params.user_id), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/users/:user_id',
      policy: 'identity:update_user',
      schema: { params: UserIdParams, body: UpdateUserBody },
      target: (call) => userTarget(env, call.params.user_id),
      async handler(call) {
        const userId = call.params.user_id;
        const patch = call.body.user;
        const user = await getUser(env.db, userId);
        if (!user) throw identityErrors.userNotFound(userId);
        if (patch.id !== undefined && patch.id !== userId)
          throw badRequest('Cannot change user ID', 'identity.validation_error');
        if (patch.domain_id !== undefined && patch.domain_id !== user.domainId) {
          throw badRequest('Cannot change Domain ID', 'identity.validation_error');
        }
        await assertDefaultProjectNotDomain(env, patch.default_project_id);
        const options = mergeOptions(user.options, patch.options);
        const password =
          'password' in patch
            ? await adminPasswordRecord(env, patch.password ?? null, options)
            : undefined;
        const extra = extraAttributes(patch);
        const changes: UserChanges = {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.default_project_id !== undefined
            ? { defaultProjectId: patch.default_project_id }
            : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(Object.keys(extra).length ? { extra: { ...user.extra, ...extra } } : {}),
          ...(patch.options !== undefined ? { options } : {}),
          // Re-enabling is how an admin unlocks a locked-out or inactive user.
          ...(patch.enabled === true ? { resetFailedAuth: true, lastActiveAt: env.now() } : {}),
        };
        try {
          // The password goes first: a rename that then clashes must roll it back too.
          await env.db.transaction().execute(async (trx) => {
            if (password) await replacePassword(trx, userId, password, historyKept(env.settings));
            await updateUser(trx, userId, changes);
          });
        } catch (err) {
          throw duplicateName(err, changes.name ?? user.name);
        }
        const disabled = patch.enabled === false && user.enabled;
        if (disabled || (patch.password !== undefined && patch.password !== null)) {
          await env.revocations.revoke({ userId, issuedBefore: env.now() });
        }
        return { user: userView(await loadListing(env, userId), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/users/:user_id',
      policy: 'identity:delete_user',
      schema: { params: UserIdParams },
      status: 204,
      target: (call) => userTarget(env, call.params.user_id),
      async handler(call) {
        const userId = call.params.user_id;
        if (!(await getUser(env.db, userId))) throw identityErrors.userNotFound(userId);
        const { trustIds } = await env.db
          .transaction()
          .execute((trx) => deleteUserAndDependents(trx, userId, env.now()));
        const issuedBefore = env.now();
        await env.revocations.revoke({ userId, issuedBefore });
        for (const trustId of trustIds) await env.revocations.revoke({ trustId, issuedBefore });
        return undefined;
      },
    }),
    ...userPasswordRoutes(env),
    ...userMembershipRoutes(env),
  ];
}
