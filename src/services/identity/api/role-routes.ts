import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import { newId } from '../ids.ts';
import { getDomain } from '../store/projects.ts';
import {
  deleteRole,
  getRole,
  insertRole,
  listRoles,
  replaceRole,
  type Role,
} from '../store/roles.ts';
import { linkBase } from './base-url.ts';
import { roleErrors } from './role-errors.ts';
import { roleView } from './role-views.ts';
import { collection, queryOf } from './views.ts';
import { memoPerRequest } from './role-memo.ts';

// Keystone's role schema: a name with at least one non-blank character, known fields
// type-checked, anything else kept as an extra attribute.
const RoleName = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const NullableString = Type.Union([Type.String(), Type.Null()]);
const RoleOptions = Type.Object(
  { immutable: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])) },
  { additionalProperties: false },
);
const roleFields = {
  description: Type.Optional(NullableString),
  domain_id: Type.Optional(NullableString),
  options: Type.Optional(RoleOptions),
};
const CreateBody = Type.Object({ role: Type.Object({ name: RoleName, ...roleFields }) });
const UpdateBody = Type.Object({
  role: Type.Object({ name: Type.Optional(RoleName), ...roleFields }, { minProperties: 1 }),
});
const RoleParams = Type.Object({ role_id: Type.String() });
const ListQuery = Type.Object({
  name: Type.Optional(Type.String()),
  domain_id: Type.Optional(Type.String()),
});

const KNOWN = new Set(['id', 'name', 'domain_id', 'description', 'options', 'links']);

function extrasOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !KNOWN.has(k)));
}

/** Applies an options patch: null removes an option, as Keystone's resource options do. */
function mergeOptions(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null || v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * Keystone lets an immutable role change only by an update that does nothing but set
 * `immutable` to false (or null).
 */
function assertMutable(role: Role, patch: Record<string, unknown>): void {
  if (role.options.immutable !== true) return;
  const options = patch.options as Record<string, unknown> | undefined;
  const onlyUnlocking =
    Object.keys(patch).length === 1 &&
    options !== undefined &&
    'immutable' in options &&
    (options.immutable === false || options.immutable === null);
  if (!onlyUnlocking) throw roleErrors.immutableUpdate(role.id);
}

const loadRole = memoPerRequest((env: IdentityEnv, call: ApiCall) => {
  const { role_id } = call.params as { role_id: string };
  return getRole(env.db, role_id);
});

async function existingRole(env: IdentityEnv, call: ApiCall): Promise<Role> {
  const role = await loadRole(env, call);
  if (!role) throw identityErrors.roleNotFound((call.params as { role_id: string }).role_id);
  return role;
}

/** Target of the role rules: the role, when it exists (its absence is reported after the check, as Keystone does). */
async function roleTarget(env: IdentityEnv, call: ApiCall): Promise<Record<string, unknown>> {
  const role = await loadRole(env, call);
  return role
    ? {
        'target.role.id': role.id,
        'target.role.domain_id': role.domainId,
        'target.role.name': role.name,
      }
    : {};
}

/**
 * The rule for a domain-specific role is checked on top of the route's global-role rule
 * (the routes declare one rule each); with the default policies both are the same.
 */
async function authorizeDomainRole(
  env: IdentityEnv,
  call: ApiCall,
  role: Role,
  rule: string,
): Promise<void> {
  if (role.domainId !== null) call.authorize(rule, await roleTarget(env, call));
}

function listed<T>(
  env: IdentityEnv,
  items: readonly T[],
): { items: readonly T[]; truncated: boolean } {
  const limit = env.settings.list_limit;
  return limit > 0 && items.length > limit
    ? { items: items.slice(0, limit), truncated: true }
    : { items, truncated: false };
}

export function roleRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/roles',
      policy: 'identity:list_roles',
      schema: { querystring: ListQuery },
      async handler(call) {
        const domainId = call.query.domain_id ? call.query.domain_id : null;
        if (domainId !== null)
          call.authorize('identity:list_domain_roles', { domain_id: domainId });
        const roles = await listRoles(env.db, { domainId, name: call.query.name });
        const base = linkBase(env, call);
        const page = listed(env, roles);
        return collection(
          'roles',
          page.items.map((r) => roleView(r, base)),
          {
            baseUrl: base,
            path: 'roles',
            query: queryOf(call.request.url),
            truncated: page.truncated,
          },
        );
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/roles',
      policy: 'identity:create_role',
      schema: { body: CreateBody },
      target: (call) => ({
        'target.role.domain_id': call.body.role.domain_id ?? null,
        'target.role.name': call.body.role.name,
      }),
      status: 201,
      async handler(call) {
        const body = call.body.role as typeof call.body.role & Record<string, unknown>;
        const domainId = body.domain_id ?? null;
        if (domainId !== null) {
          call.authorize('identity:create_domain_role', {
            'target.role.domain_id': domainId,
            'target.role.name': body.name,
          });
          if (!(await getDomain(env.db, domainId))) throw identityErrors.domainNotFound(domainId);
        }
        let role: Role;
        try {
          role = await insertRole(env.db, newId(), {
            name: body.name,
            domainId,
            description: body.description ?? null,
            options: mergeOptions({}, body.options),
            extra: extrasOf(body),
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw identityErrors.duplicate('role', 'name', body.name);
          throw err;
        }
        return { role: roleView(role, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/roles/:role_id',
      policy: 'identity:get_role',
      schema: { params: RoleParams },
      target: (call) => roleTarget(env, call),
      async handler(call) {
        const role = await existingRole(env, call);
        await authorizeDomainRole(env, call, role, 'identity:get_domain_role');
        return { role: roleView(role, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/roles/:role_id',
      policy: 'identity:update_role',
      schema: { params: RoleParams, body: UpdateBody },
      target: (call) => roleTarget(env, call),
      async handler(call) {
        const role = await existingRole(env, call);
        await authorizeDomainRole(env, call, role, 'identity:update_domain_role');
        const patch = call.body.role as Record<string, unknown>;
        if (patch.id !== undefined && patch.id !== null && patch.id !== role.id) {
          throw identityErrors.validation('Cannot change ID');
        }
        assertMutable(role, patch);
        if ('domain_id' in patch && (patch.domain_id ?? null) !== role.domainId) {
          throw identityErrors.validation('Update of `domain_id` is not allowed.');
        }
        const b = call.body.role;
        const updated: Role = {
          ...role,
          name: b.name ?? role.name,
          description: 'description' in b ? (b.description ?? null) : role.description,
          options: mergeOptions(role.options, b.options),
          extra: { ...role.extra, ...extrasOf(patch) },
        };
        try {
          await replaceRole(env.db, updated);
        } catch (err) {
          if (isUniqueViolation(err)) throw identityErrors.duplicate('role', 'name', updated.name);
          throw err;
        }
        return { role: roleView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/roles/:role_id',
      policy: 'identity:delete_role',
      schema: { params: RoleParams },
      target: (call) => roleTarget(env, call),
      status: 204,
      async handler(call) {
        const role = await existingRole(env, call);
        await authorizeDomainRole(env, call, role, 'identity:delete_domain_role');
        if (role.options.immutable === true) throw roleErrors.immutableDelete(role.id);
        await deleteRole(env.db, role.id);
        return undefined;
      },
    }),
  ];
}
