import { Type, type TSchema } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import {
  findDuplicateTrust,
  getTrust,
  insertTrust,
  listTrusts,
  softDeleteTrust,
  trustRoleIds,
  type Trust,
} from '../store/trusts.ts';
import { rolesByIds, type Role } from '../store/roles.ts';
import { linkBase } from './base-url.ts';
import { collection, queryOf } from './views.ts';
import { trustRoleView, trustRolesLinks, trustView } from './trust-views.ts';
import { planTrust } from './trust-create.ts';
import { RoleRef } from './application-credential-routes.ts';
import { refuseDelegatedMethodForTrusts } from './credential-delegation.ts';

const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const UserId = Type.String({ minLength: 1, maxLength: 64 });

const CreateBody = Type.Object({
  trust: Type.Object({
    trustor_user_id: UserId,
    trustee_user_id: UserId,
    impersonation: Type.Boolean(),
    project_id: Type.Optional(
      nullable(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' })),
    ),
    remaining_uses: Type.Optional(nullable(Type.Integer({ minimum: 1 }))),
    expires_at: Type.Optional(nullable(Type.String())),
    allow_redelegation: Type.Optional(nullable(Type.Boolean())),
    redelegation_count: Type.Optional(nullable(Type.Integer({ minimum: 0 }))),
    roles: Type.Optional(Type.Array(RoleRef)),
  }),
});

const TrustParams = Type.Object({ trust_id: Type.String() });
const RoleParams = Type.Object({ trust_id: Type.String(), role_id: Type.String() });
const ListQuery = Type.Object({
  trustor_user_id: Type.Optional(Type.String()),
  trustee_user_id: Type.Optional(Type.String()),
});

/**
 * A trust that can still be used: Keystone answers 404 for deleted and expired trusts
 * and for those with no uses left.
 */
async function requireLiveTrust(env: IdentityEnv, id: string): Promise<Trust> {
  const t = await getTrust(env.db, id);
  if (!t || !usable(env, t)) throw identityErrors.trustNotFound(id);
  return t;
}

function usable(env: IdentityEnv, t: Trust): boolean {
  if (t.expiresAt && t.expiresAt.getTime() <= env.now().getTime()) return false;
  return t.remainingUses === null || t.remainingUses > 0;
}

const trustTarget = (t: Trust) => ({
  'target.trust.id': t.id,
  'target.trust.trustor_user_id': t.trustorUserId,
  'target.trust.trustee_user_id': t.trusteeUserId,
  'target.trust.project_id': t.projectId,
});

/** The delegated roles that still exist, in a stable order. */
async function delegatedRoles(env: IdentityEnv, trustId: string): Promise<Role[]> {
  const roles = await rolesByIds(env.db, await trustRoleIds(env.db, trustId));
  return roles.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * GET /v3/OS-TRUST/trusts, filtered by trustor or trustee; the route's policy already
 * checked the rule that goes with the filter.
 */
async function listTrustsFor(env: IdentityEnv, call: ApiCall): Promise<unknown> {
  const query = call.query as { trustor_user_id?: string; trustee_user_id?: string };
  const auth = call.ctx.auth;
  let trusts: Trust[];
  if (query.trustor_user_id) {
    refuseDelegatedMethodForTrusts(auth);
    trusts = await listTrusts(env.db, { trustorUserId: query.trustor_user_id });
  } else if (query.trustee_user_id) {
    refuseDelegatedMethodForTrusts(auth);
    trusts = await listTrusts(env.db, { trusteeUserId: query.trustee_user_id });
  } else {
    refuseDelegatedMethodForTrusts(auth);
    // Keystone lists everything only for a request without query parameters.
    trusts = queryOf(call.request.url) === '' ? await listTrusts(env.db) : [];
  }
  const base = linkBase(env, call);
  return collection(
    'trusts',
    trusts.map((t) => trustView(t, base)),
    { baseUrl: base, path: 'OS-TRUST/trusts', query: queryOf(call.request.url) },
  );
}

export function trustRoutes(env: IdentityEnv): RouteSpec[] {
  const base = '/v3/OS-TRUST/trusts';
  // The routes of one trust: it must be live (404 otherwise) and is the policy target.
  const liveTrustTarget = async (call: ApiCall<{ params: typeof TrustParams }>) =>
    trustTarget(await requireLiveTrust(env, call.params.trust_id));
  return [
    defineRoute({
      method: 'POST',
      url: base,
      policy: 'identity:create_trust',
      schema: { body: CreateBody },
      status: 201,
      target: (call) => ({
        // The legacy and the current spelling of Keystone's create_trust rule.
        'trust.trustor_user_id': call.body.trust.trustor_user_id,
        'target.trust.trustor_user_id': call.body.trust.trustor_user_id,
      }),
      async handler(call) {
        refuseDelegatedMethodForTrusts(call.ctx.auth);
        const trust = await planTrust(env, call.ctx.auth, call.body.trust);
        // Keystone's unique key also counts trusts that can no longer be used (and so
        // cannot be deleted either); only a usable twin is a conflict here.
        const twin = await findDuplicateTrust(env.db, trust);
        if (twin && usable(env, twin)) {
          throw identityErrors.conflict(
            'Conflict occurred attempting to store trust - Duplicate entry.',
          );
        }
        await insertTrust(env.db, trust);
        const stored = await getTrust(env.db, trust.id);
        if (!stored) throw identityErrors.trustNotFound(trust.id);
        return {
          trust: trustView(stored, linkBase(env, call), await delegatedRoles(env, trust.id)),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: base,
      // Keystone checks a different rule for each filter.
      policy: {
        rules: ['identity:list_trusts_for_trustor', 'identity:list_trusts_for_trustee', 'identity:list_trusts'],
        choose: (call) =>
          call.query.trustor_user_id
            ? 'identity:list_trusts_for_trustor'
            : call.query.trustee_user_id
              ? 'identity:list_trusts_for_trustee'
              : 'identity:list_trusts',
      },
      target: (call) => ({
        'target.trust.trustor_user_id': call.query.trustor_user_id,
        'target.trust.trustee_user_id': call.query.trustee_user_id,
      }),
      schema: { querystring: ListQuery },
      handler: (call) => listTrustsFor(env, call),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:trust_id`,
      policy: 'identity:get_trust',
      schema: { params: TrustParams },
      target: liveTrustTarget,
      async handler(call) {
        refuseDelegatedMethodForTrusts(call.ctx.auth);
        const t = await requireLiveTrust(env, call.params.trust_id);
        return { trust: trustView(t, linkBase(env, call), await delegatedRoles(env, t.id)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:trust_id`,
      policy: 'identity:delete_trust',
      schema: { params: TrustParams },
      status: 204,
      target: liveTrustTarget,
      async handler(call) {
        refuseDelegatedMethodForTrusts(call.ctx.auth);
        const now = env.now();
        const deleted = await softDeleteTrust(env.db, call.params.trust_id, now);
        if (deleted.length === 0) throw identityErrors.trustNotFound(call.params.trust_id);
        // Tokens scoped to the trust, or to trusts redelegated from it, die with it.
        for (const trustId of deleted) await env.revocations.revoke({ trustId, issuedBefore: now });
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:trust_id/roles`,
      policy: 'identity:list_roles_for_trust',
      schema: { params: TrustParams },
      target: liveTrustTarget,
      async handler(call) {
        refuseDelegatedMethodForTrusts(call.ctx.auth);
        const t = await requireLiveTrust(env, call.params.trust_id);
        const baseUrl = linkBase(env, call);
        const roles = await delegatedRoles(env, t.id);
        return {
          roles: roles.map((r) => trustRoleView(r, baseUrl)),
          links: trustRolesLinks(t.id, baseUrl),
        };
      },
    }),
    defineRoute({
      // HEAD is served by the framework from this GET, without the body.
      method: 'GET',
      url: `${base}/:trust_id/roles/:role_id`,
      policy: 'identity:get_role_for_trust',
      schema: { params: RoleParams },
      target: liveTrustTarget,
      async handler(call) {
        refuseDelegatedMethodForTrusts(call.ctx.auth);
        const t = await requireLiveTrust(env, call.params.trust_id);
        const roles = await delegatedRoles(env, t.id);
        const role = roles.find((r) => r.id === call.params.role_id);
        if (!role) throw identityErrors.roleNotFound(call.params.role_id);
        return { role: trustRoleView(role, linkBase(env, call)) };
      },
    }),
  ];
}
