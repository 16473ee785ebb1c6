import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deletePolicy,
  getPolicy,
  insertPolicy,
  listPolicies,
  updatePolicyRow,
  type PolicyBlob,
} from '../store/policies.ts';
import { linkBase } from './base-url.ts';
import { listCollection } from './service-catalog-collection.ts';
import { extraOf } from './service-catalog-input.ts';
import { selfLink } from './views.ts';

const fields = { blob: Type.String(), type: Type.String({ maxLength: 255 }) };
const CreateBody = Type.Object({ policy: Type.Object(fields) });
const UpdateBody = Type.Object({
  policy: Type.Object(
    { blob: Type.Optional(fields.blob), type: Type.Optional(fields.type) },
    { minProperties: 1 },
  ),
});
const Params = Type.Object({ policy_id: Type.String() });
const KNOWN = ['blob', 'type'];

function policyView(p: PolicyBlob, baseUrl: string): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    type: p.type,
    blob: p.blob,
    links: selfLink(baseUrl, `policies/${p.id}`),
  };
}

async function requirePolicy(env: IdentityEnv, id: string): Promise<PolicyBlob> {
  const p = await getPolicy(env.db, id);
  if (!p) throw identityErrors.policyNotFound(id);
  return p;
}

/** /v3/policies: Keystone's (deprecated, still served) store of opaque policy blobs. */
export function policyRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/policies',
      policy: 'identity:list_policies',
      schema: { querystring: Type.Object({ type: Type.Optional(Type.String()) }) },
      async handler(call) {
        const policies = await listPolicies(
          env.db,
          call.query.type === undefined ? {} : { type: call.query.type },
        );
        return listCollection(env, call, 'policies', 'policies', policies, policyView);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/policies',
      policy: 'identity:create_policy',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const input = call.body.policy as Record<string, unknown> & typeof call.body.policy;
        const policy: PolicyBlob = {
          id: newId(),
          type: input.type,
          blob: input.blob,
          extra: extraOf(input, KNOWN, { normalize: true }),
        };
        await insertPolicy(env.db, policy);
        return { policy: policyView(policy, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/policies/:policy_id',
      policy: 'identity:get_policy',
      schema: { params: Params },
      async handler(call) {
        return {
          policy: policyView(await requirePolicy(env, call.params.policy_id), linkBase(env, call)),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/policies/:policy_id',
      policy: 'identity:update_policy',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.policy as Record<string, unknown> & typeof call.body.policy;
        const current = await requirePolicy(env, call.params.policy_id);
        const updated: PolicyBlob = {
          id: current.id,
          type: input.type ?? current.type,
          blob: input.blob ?? current.blob,
          extra: { ...current.extra, ...extraOf(input, KNOWN) },
        };
        await updatePolicyRow(env.db, updated);
        return { policy: policyView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/policies/:policy_id',
      policy: 'identity:delete_policy',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        if (!(await deletePolicy(env.db, call.params.policy_id)))
          throw identityErrors.policyNotFound(call.params.policy_id);
        return undefined;
      },
    }),
  ];
}
