import { randomBytes } from 'node:crypto';
import { Type, type TSchema } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  AccessRuleUnresolvable,
  applicationCredentialAccessRules,
  applicationCredentialRoleIds,
  countApplicationCredentials,
  deleteApplicationCredential,
  getApplicationCredential,
  insertApplicationCredential,
  listApplicationCredentials,
  type ApplicationCredential,
} from '../store/application-credentials.ts';
import { getProject } from '../store/projects.ts';
import { effectiveRoles } from '../store/effective-roles.ts';
import { findGlobalRoleByName, getRole, rolesByIds, type Role } from '../store/roles.ts';
import { linkBase } from './base-url.ts';
import { collection, queryOf } from './views.ts';
import { applicationCredentialView } from './application-credential-views.ts';
import { parseExpiry } from './credential-expiry.ts';
import {
  refuseTrustTokenForApplicationCredentials,
  requireUnrestrictedApplicationCredential,
} from './credential-delegation.ts';

const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const IdString = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' });

/** A role named by id or by name, exactly one of the two (Keystone's schema). */
export const RoleRef = Type.Object(
  { id: Type.Optional(IdString), name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);

const AccessRuleRef = Type.Object(
  {
    path: Type.Optional(Type.String({ maxLength: 225, pattern: '^/' })),
    method: Type.Optional(Type.String({ pattern: '^(POST|GET|HEAD|PATCH|PUT|DELETE)$' })),
    service: Type.Optional(IdString),
    id: Type.Optional(IdString),
  },
  { additionalProperties: false },
);

const CreateBody = Type.Object({
  application_credential: Type.Object({
    name: Name,
    description: Type.Optional(nullable(Type.String())),
    secret: Type.Optional(nullable(Type.String({ maxLength: 4096 }))),
    expires_at: Type.Optional(nullable(Type.String())),
    roles: Type.Optional(Type.Array(RoleRef)),
    unrestricted: Type.Optional(Type.Boolean()),
    access_rules: Type.Optional(Type.Array(AccessRuleRef)),
  }),
});

const UserParams = Type.Object({ user_id: Type.String() });
const ItemParams = Type.Object({
  user_id: Type.String(),
  application_credential_id: Type.String(),
});
const ListQuery = Type.Object({ name: Type.Optional(Type.String()) });

const invalid = (detail: string) =>
  new ApiError(400, 'identity.validation_error', `Invalid application credential: ${detail}`);

/** A fresh secret: 64 random bytes, URL-safe base64 without padding (Keystone's shape). */
function generateSecret(): string {
  return randomBytes(64).toString('base64url');
}

/** A role as a request names it, resolved to a global role (by name) or kept by id. */
export async function resolveRoleRef(
  env: IdentityEnv,
  ref: { id?: string | undefined; name?: string | undefined },
): Promise<string> {
  if (ref.id !== undefined) return ref.id;
  const role = await findGlobalRoleByName(env.db, ref.name ?? '');
  if (!role) throw identityErrors.roleNotFound(ref.name ?? '');
  return role.id;
}

/**
 * The roles the new credential delegates: those asked for, each of which the creating
 * token must carry (so a delegated token cannot escalate) and the user must hold on the
 * project; by default every role of the token.
 */
async function delegatedRoleIds(
  env: IdentityEnv,
  call: ApiCall,
  requested: ReadonlyArray<{ id?: string | undefined; name?: string | undefined }> | undefined,
  projectId: string,
): Promise<string[]> {
  const tokenRoleIds = call.ctx.auth.roles.map((r) => r.id);
  if (!requested || requested.length === 0) return tokenRoleIds;
  const ids: string[] = [];
  for (const ref of requested) ids.push(await resolveRoleRef(env, ref));
  for (const id of ids) {
    if (!tokenRoleIds.includes(id))
      throw invalid('Cannot create an application credential with unassigned role');
  }
  const project = await getProject(env.db, projectId);
  const held = new Set(
    project
      ? (await effectiveRoles(env.db, call.ctx.auth.userId, { kind: 'project', project })).map(
          (r) => r.id,
        )
      : [],
  );
  for (const id of ids) {
    if (!held.has(id)) {
      throw invalid(
        `Could not find role assignment with role: ${id}, user or group: ${call.ctx.auth.userId}, project, domain, or system: ${projectId}.`,
      );
    }
  }
  return [...new Set(ids)];
}

/** Loads what the view shows besides the credential itself. */
async function details(
  env: IdentityEnv,
  ac: ApplicationCredential,
): Promise<{ roles: Role[]; rules: Awaited<ReturnType<typeof applicationCredentialAccessRules>> }> {
  const roleIds = await applicationCredentialRoleIds(env.db, ac.id);
  const found = await rolesByIds(env.db, roleIds);
  const roles = roleIds
    .map((id) => found.find((r) => r.id === id))
    .filter((r): r is Role => r !== undefined);
  return { roles, rules: await applicationCredentialAccessRules(env.db, ac.id) };
}

/**
 * The credential named in the path, owned by the user in the path; policy is then checked
 * against its real owner, so naming one's own user id with another user's credential id
 * gets nowhere.
 */
async function requireOwnCredential(
  env: IdentityEnv,
  userId: string,
  id: string,
): Promise<ApplicationCredential> {
  const ac = await getApplicationCredential(env.db, id);
  if (!ac || ac.userId !== userId) throw identityErrors.applicationCredentialNotFound(id);
  return ac;
}

export function applicationCredentialRoutes(env: IdentityEnv): RouteSpec[] {
  const base = '/v3/users/:user_id/application_credentials';
  // GET and DELETE of one credential: same URL, and the owner as the policy target.
  const item = {
    url: `${base}/:application_credential_id`,
    schema: { params: ItemParams },
    async target(call: ApiCall<{ params: typeof ItemParams }>) {
      const ac = await requireOwnCredential(
        env,
        call.params.user_id,
        call.params.application_credential_id,
      );
      return { user_id: ac.userId, 'target.user.id': ac.userId };
    },
  };
  return [
    defineRoute({
      method: 'POST',
      url: base,
      policy: 'identity:create_application_credential',
      schema: { params: UserParams, body: CreateBody },
      status: 201,
      target: (call) => ({ user_id: call.params.user_id, 'target.user.id': call.params.user_id }),
      async handler(call) {
        const auth = call.ctx.auth;
        const input = call.body.application_credential;
        refuseTrustTokenForApplicationCredentials(auth);
        await requireUnrestrictedApplicationCredential(env.db, auth);
        if (auth.userId !== call.params.user_id) {
          throw identityErrors.forbiddenAction(
            'You are not authorized to perform the requested action: Cannot create an application credential for another user.',
          );
        }
        if (auth.scope.kind !== 'project') {
          throw invalid(
            'An application credential can only be created with a project-scoped token.',
          );
        }
        const projectId = auth.scope.project.id;
        const roleIds = await delegatedRoleIds(env, call, input.roles, projectId);
        for (const id of roleIds)
          if (!(await getRole(env.db, id))) throw identityErrors.roleNotFound(id);
        const expiry = parseExpiry(input.expires_at, env.now());
        const limit = env.settings.application_credential_user_limit;
        if (limit >= 0 && (await countApplicationCredentials(env.db, auth.userId)) >= limit) {
          throw identityErrors.forbiddenAction(
            `Unable to create additional application credentials, maximum of ${limit} already exceeded for user.`,
          );
        }
        const secret = input.secret ? input.secret : generateSecret();
        const ac: ApplicationCredential = {
          id: newId(),
          name: input.name,
          secretHash: await env.hasher.hash(secret),
          description: input.description ?? null,
          userId: auth.userId,
          projectId,
          system: null,
          expiresAt: expiry?.date ?? null,
          expiresAtStored: expiry?.stored ?? null,
          unrestricted: input.unrestricted ?? false,
          createdAt: env.now(),
        };
        let rules;
        try {
          rules = await insertApplicationCredential(env.db, {
            ...ac,
            projectId,
            roleIds,
            accessRules: input.access_rules ?? [],
            newAccessRuleId: newId,
          });
        } catch (err) {
          if (isUniqueViolation(err))
            throw identityErrors.duplicate('application_credential', 'name', input.name);
          if (err instanceof AccessRuleUnresolvable) {
            throw invalid(
              err.ruleId
                ? `Could not find Access Rule: ${err.ruleId}.`
                : 'an access rule needs service, path and method.',
            );
          }
          throw err;
        }
        const roles = await rolesByIds(env.db, roleIds);
        return {
          application_credential: applicationCredentialView(
            ac,
            roles,
            rules,
            linkBase(env, call),
            secret,
          ),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: base,
      policy: 'identity:list_application_credentials',
      schema: { params: UserParams, querystring: ListQuery },
      target: (call) => ({ user_id: call.params.user_id, 'target.user.id': call.params.user_id }),
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        const baseUrl = linkBase(env, call);
        const list = await listApplicationCredentials(env.db, call.params.user_id, {
          name: call.query.name,
        });
        const items = [];
        for (const ac of list) {
          const { roles, rules } = await details(env, ac);
          items.push(applicationCredentialView(ac, roles, rules, baseUrl));
        }
        return collection('application_credentials', items, {
          baseUrl,
          path: `users/${call.params.user_id}/application_credentials`,
          query: queryOf(call.request.url),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      ...item,
      policy: 'identity:get_application_credential',
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        const ac = await requireOwnCredential(
          env,
          call.params.user_id,
          call.params.application_credential_id,
        );
        const { roles, rules } = await details(env, ac);
        return {
          application_credential: applicationCredentialView(ac, roles, rules, linkBase(env, call)),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      ...item,
      policy: 'identity:delete_application_credential',
      status: 204,
      async handler(call) {
        refuseTrustTokenForApplicationCredentials(call.ctx.auth);
        await requireUnrestrictedApplicationCredential(env.db, call.ctx.auth);
        const id = call.params.application_credential_id;
        // Tokens issued with it stop validating at once: validation re-reads the credential.
        if (!(await deleteApplicationCredential(env.db, id)))
          throw identityErrors.applicationCredentialNotFound(id);
        return undefined;
      },
    }),
  ];
}
