import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { deleteUnusedAccessRule, getAccessRule, listAccessRules } from '../store/access-rules.ts';
import { linkBase } from './base-url.ts';
import { collection, queryOf } from './views.ts';
import { accessRuleView } from './application-credential-views.ts';
import { refuseTrustTokenForApplicationCredentials } from './credential-delegation.ts';

/**
 * A user's access rules (the service/path/method allow-list of application credentials).
 * They are created with application credentials; here they are listed, shown and deleted,
 * and a rule some credential still uses cannot be deleted.
 */
const UserParams = Type.Object({ user_id: Type.String() });
const ItemParams = Type.Object({ user_id: Type.String(), access_rule_id: Type.String() });
const ListQuery = Type.Object({
  service: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  method: Type.Optional(Type.String()),
});

const userTarget = (userId: string) => ({ user_id: userId, 'target.user.id': userId });

export function accessRuleRoutes(env: IdentityEnv): RouteSpec[] {
  const base = '/v3/users/:user_id/access_rules';
  return [
    defineRoute({
      method: 'GET',
      url: base,
      policy: 'identity:list_access_rules',
      schema: { params: UserParams, querystring: ListQuery },
      target: (call) => userTarget(call.params.user_id),
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        const baseUrl = linkBase(env, call);
        const rules = await listAccessRules(env.db, call.params.user_id, call.query);
        return collection(
          'access_rules',
          rules.map((r) => accessRuleView(r, baseUrl)),
          {
            baseUrl,
            path: `users/${call.params.user_id}/access_rules`,
            query: queryOf(call.request.url),
          },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:access_rule_id`,
      policy: 'identity:get_access_rule',
      schema: { params: ItemParams },
      target: (call) => userTarget(call.params.user_id),
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        const rule = await getAccessRule(env.db, call.params.user_id, call.params.access_rule_id);
        if (!rule) throw identityErrors.accessRuleNotFound(call.params.access_rule_id);
        return { access_rule: accessRuleView(rule, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:access_rule_id`,
      policy: 'identity:delete_access_rule',
      schema: { params: ItemParams },
      status: 204,
      target: (call) => userTarget(call.params.user_id),
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        const outcome = await deleteUnusedAccessRule(
          env.db,
          call.params.user_id,
          call.params.access_rule_id,
        );
        if (outcome === 'missing')
          throw identityErrors.accessRuleNotFound(call.params.access_rule_id);
        if (outcome === 'in_use')
          throw identityErrors.forbiddenAction('May not delete access rule in use');
        return undefined;
      },
    }),
  ];
}
