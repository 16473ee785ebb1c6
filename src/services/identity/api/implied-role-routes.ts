import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import {
  addImpliedRule,
  getRole,
  hasImpliedRule,
  impliedRoleIdsOf,
  impliedRoleRules,
  removeImpliedRule,
  rolesByIds,
  type Role,
} from '../store/roles.ts';
import { linkBase } from './base-url.ts';
import { roleErrors } from './role-errors.ts';
import { roleRefView } from './role-views.ts';
import { memoPerRequest } from './role-memo.ts';

/** Keystone's `[assignment] prohibited_implied_role` default: nothing may imply admin. */
const PROHIBITED_IMPLIED_ROLES = ['admin'];

const RuleParams = Type.Object({ role_id: Type.String(), implied_role_id: Type.String() });
const PriorParams = Type.Object({ role_id: Type.String() });

interface Rule {
  readonly prior: Role;
  readonly implied?: Role;
}

// The prior role's path parameter is `role_id`: Fastify requires one name per position,
// and /v3/roles/:role_id owns that position.
const loadRule = memoPerRequest(async (env: IdentityEnv, call: ApiCall): Promise<Rule> => {
  const p = call.params as { role_id: string; implied_role_id?: string };
  const prior = await getRole(env.db, p.role_id);
  if (!prior) throw identityErrors.roleNotFound(p.role_id);
  if (p.implied_role_id === undefined) return { prior };
  const implied = await getRole(env.db, p.implied_role_id);
  if (!implied) throw identityErrors.roleNotFound(p.implied_role_id);
  return { prior, implied };
});

async function ruleTarget(env: IdentityEnv, call: ApiCall): Promise<Record<string, unknown>> {
  const { prior, implied } = await loadRule(env, call);
  const t: Record<string, unknown> = {
    'target.prior_role.id': prior.id,
    'target.prior_role.domain_id': prior.domainId,
  };
  if (implied)
    Object.assign(t, {
      'target.implied_role.id': implied.id,
      'target.implied_role.domain_id': implied.domainId,
    });
  return t;
}

function ruleView(
  env: IdentityEnv,
  call: ApiCall,
  prior: Role,
  implied: Role,
): Record<string, unknown> {
  const base = linkBase(env, call);
  return {
    role_inference: { prior_role: roleRefView(prior, base), implies: roleRefView(implied, base) },
    links: { self: `${base}/v3/roles/${prior.id}/implies/${implied.id}` },
  };
}

async function existingRule(
  env: IdentityEnv,
  call: ApiCall,
): Promise<{ prior: Role; implied: Role }> {
  const { prior, implied } = await loadRule(env, call);
  if (!implied || !(await hasImpliedRule(env.db, prior.id, implied.id))) {
    throw identityErrors.impliedRoleNotFound(prior.id, implied?.id ?? '');
  }
  return { prior, implied };
}

export function impliedRoleRoutes(env: IdentityEnv): RouteSpec[] {
  // The four routes of one rule share its URL, parameters and policy target.
  const rule = {
    url: '/v3/roles/:role_id/implies/:implied_role_id',
    schema: { params: RuleParams },
    target: (call: ApiCall) => ruleTarget(env, call),
  };
  return [
    defineRoute({
      method: 'PUT',
      ...rule,
      policy: 'identity:create_implied_role',
      status: 201,
      async handler(call) {
        const { prior, implied } = await loadRule(env, call);
        if (!implied) throw identityErrors.roleNotFound(call.params.implied_role_id);
        if (PROHIBITED_IMPLIED_ROLES.includes(implied.name))
          throw roleErrors.invalidImpliedRole(implied.id);
        // A global role reaches every domain; it must not pull in one domain's role.
        if (prior.domainId === null && implied.domainId !== null)
          throw roleErrors.invalidImpliedRole(implied.id);
        try {
          await addImpliedRule(env.db, prior.id, implied.id);
        } catch (err) {
          if (isUniqueViolation(err))
            throw identityErrors.conflict(
              'Conflict occurred attempting to store implied_role - Duplicate entry.',
            );
          throw err;
        }
        return ruleView(env, call, prior, implied);
      },
    }),
    defineRoute({
      method: 'HEAD',
      ...rule,
      policy: 'identity:check_implied_role',
      status: 204,
      async handler(call) {
        // Keystone's HEAD also runs the GET, with its rule.
        call.authorize('identity:get_implied_role', await ruleTarget(env, call));
        await existingRule(env, call);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      ...rule,
      policy: 'identity:get_implied_role',
      async handler(call) {
        const { prior, implied } = await existingRule(env, call);
        return ruleView(env, call, prior, implied);
      },
    }),
    defineRoute({
      method: 'DELETE',
      ...rule,
      policy: 'identity:delete_implied_role',
      status: 204,
      async handler(call) {
        const { prior, implied } = await loadRule(env, call);
        if (!implied || !(await removeImpliedRule(env.db, prior.id, implied.id))) {
          throw identityErrors.impliedRoleNotFound(prior.id, call.params.implied_role_id);
        }
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/roles/:role_id/implies',
      policy: 'identity:list_implied_roles',
      schema: { params: PriorParams },
      target: (call) => ruleTarget(env, call),
      async handler(call) {
        const { prior } = await loadRule(env, call);
        const base = linkBase(env, call);
        const implied = await rolesByIds(env.db, await impliedRoleIdsOf(env.db, prior.id));
        return {
          role_inference: {
            prior_role: roleRefView(prior, base),
            implies: implied.map((r) => roleRefView(r, base)),
          },
          links: { self: `${base}/v3/roles/${prior.id}/implies` },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/role_inferences',
      policy: 'identity:list_role_inference_rules',
      async handler(call) {
        const rules = await impliedRoleRules(env.db);
        const roles = new Map(
          (await rolesByIds(env.db, [...new Set(rules.flatMap((r) => [r.prior, r.implied]))])).map(
            (r) => [r.id, r],
          ),
        );
        const base = linkBase(env, call);
        const byPrior = new Map<string, Role[]>();
        for (const r of rules) {
          const implied = roles.get(r.implied);
          if (implied) byPrior.set(r.prior, [...(byPrior.get(r.prior) ?? []), implied]);
        }
        const inferences = [...byPrior].flatMap(([priorId, implied]) => {
          const prior = roles.get(priorId);
          return prior
            ? [
                {
                  prior_role: roleRefView(prior, base),
                  implies: implied.map((r) => roleRefView(r, base)),
                },
              ]
            : [];
        });
        return { role_inferences: inferences };
      },
    }),
  ];
}
