import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { getUser } from '../store/users.ts';
import {
  deleteCredential,
  getCredential,
  insertCredential,
  listCredentials,
  updateCredentialBlob,
  type Credential,
} from '../store/credentials.ts';
import { linkBase } from './base-url.ts';
import { collection, queryOf } from './views.ts';
import { credentialView, parseBlob } from './credential-views.ts';
import { requirePrimaryAuthForCredentials } from './credential-delegation.ts';

const CreateBody = Type.Object({
  credential: Type.Object({
    blob: Type.String(),
    type: Type.String({ minLength: 1, maxLength: 255 }),
    user_id: Type.String({ minLength: 1, maxLength: 64 }),
    project_id: Type.Optional(Type.String({ maxLength: 64 })),
  }),
});

/**
 * Only the blob may change: the reference Keystone (Debian's fix for CVE-2026-90460)
 * refuses retyping, rescoping or reassigning a credential in place. Tempest 33's
 * test_credentials_create_get_update_delete sends project_id and type and so fails here
 * exactly as it fails on the reference.
 */
const UpdateBody = Type.Object({
  credential: Type.Object({ blob: Type.String() }, { additionalProperties: false }),
});

const Params = Type.Object({ credential_id: Type.String() });
const ListQuery = Type.Object({
  user_id: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
});

const DEFINED = new Set(['id', 'blob', 'type', 'user_id', 'project_id', 'links']);

/** The blob of an ec2 credential must be a JSON object naming its access key. */
export function ec2Blob(blob: string): Record<string, unknown> & { access: string } {
  let value: unknown;
  try {
    value = JSON.parse(blob);
  } catch {
    throw identityErrors.validation('Invalid blob in credential');
  }
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    throw identityErrors.validation("Invalid input for field 'blob': expected a JSON object.");
  }
  const access = (value as Record<string, unknown>).access;
  if (access === undefined || access === null) {
    throw identityErrors.validation(
      "Invalid input for field 'access': 'access' is a required property of an ec2 credential blob.",
    );
  }
  return { ...(value as Record<string, unknown>), access: String(access) };
}

/** Keystone's id for an ec2 credential: the SHA-256 of its access key, so lookups by key are direct. */
export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access, 'utf8').digest('hex');
}

const isEc2 = (type: string) => type.toLowerCase() === 'ec2';

async function requireCredential(env: IdentityEnv, id: string): Promise<Credential> {
  const c = await getCredential(env.db, env.credentials, id);
  if (!c) throw identityErrors.credentialNotFound(id);
  return c;
}

function credentialTarget(
  c: Pick<Credential, 'userId' | 'projectId' | 'type'>,
): Record<string, unknown> {
  return {
    'target.credential.user_id': c.userId,
    'target.credential.project_id': c.projectId,
    'target.credential.type': c.type,
  };
}

function listTarget(call: ApiCall): Record<string, unknown> {
  // As Keystone: outside system scope the list is checked against the caller's own
  // credentials, then each credential is checked again before it is shown.
  return call.ctx.auth.scope.kind === 'system'
    ? {}
    : { 'target.credential.user_id': call.ctx.auth.userId };
}

export function credentialRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v3/credentials',
      policy: 'identity:create_credential',
      schema: { body: CreateBody },
      status: 201,
      target: (call) => ({
        'target.credential.user_id': call.body.credential.user_id,
        'target.credential.project_id': call.body.credential.project_id,
        'target.credential.type': call.body.credential.type,
      }),
      async handler(call) {
        const input = call.body.credential;
        requirePrimaryAuthForCredentials(call.ctx.auth);
        if (input.type === 'ec2' && input.project_id === undefined) {
          throw identityErrors.validation(
            "Invalid input for field 'credential': 'project_id' is a required property of an ec2 credential.",
          );
        }
        const id = isEc2(input.type) ? ec2CredentialId(ec2Blob(input.blob).access) : newId();
        if (!(await getUser(env.db, input.user_id)))
          throw identityErrors.userNotFound(input.user_id);
        const extra = Object.fromEntries(Object.entries(input).filter(([k]) => !DEFINED.has(k)));
        const credential: Credential = {
          id,
          userId: input.user_id,
          projectId: input.project_id ?? null,
          type: input.type,
          blob: input.blob,
          extra,
        };
        try {
          await insertCredential(env.db, env.credentials, credential);
        } catch (err) {
          if (isUniqueViolation(err)) throw identityErrors.duplicate('credential', 'id', id);
          throw err;
        }
        return { credential: credentialView(credential, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/credentials',
      policy: 'identity:list_credentials',
      schema: { querystring: ListQuery },
      target: listTarget,
      async handler(call) {
        const base = linkBase(env, call);
        const all = await listCredentials(env.db, env.credentials, {
          userId: call.query.user_id,
          type: call.query.type,
        });
        let allowed = true;
        try {
          requirePrimaryAuthForCredentials(call.ctx.auth);
        } catch {
          // A delegated token sees no credentials rather than an error, as in Keystone.
          allowed = false;
        }
        let visible = allowed
          ? all.filter((c) => call.can('identity:get_credential', credentialTarget(c)))
          : [];
        const limit = env.settings.list_limit;
        const truncated = limit > 0 && visible.length > limit;
        if (truncated) visible = visible.slice(0, limit);
        return collection(
          'credentials',
          visible.map((c) => credentialView(c, base)),
          { baseUrl: base, path: 'credentials', query: queryOf(call.request.url), truncated },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/credentials/:credential_id',
      policy: 'identity:get_credential',
      schema: { params: Params },
      target: async (call) =>
        credentialTarget(await requireCredential(env, call.params.credential_id)),
      async handler(call) {
        const c = await requireCredential(env, call.params.credential_id);
        requirePrimaryAuthForCredentials(call.ctx.auth);
        return { credential: credentialView(c, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/credentials/:credential_id',
      policy: 'identity:update_credential',
      schema: { params: Params, body: UpdateBody },
      target: async (call) =>
        credentialTarget(await requireCredential(env, call.params.credential_id)),
      async handler(call) {
        const current = await requireCredential(env, call.params.credential_id);
        requirePrimaryAuthForCredentials(call.ctx.auth);
        const blob = call.body.credential.blob;
        if (isEc2(current.type)) {
          const next = ec2Blob(blob);
          const previous = parseBlob(current.blob);
          // What an ec2 credential was scoped to (a trust, an application credential ...) is fixed.
          for (const key of ['trust_id', 'app_cred_id', 'access_token_id', 'access_id']) {
            if ((previous[key] ?? null) !== (next[key] ?? null)) {
              throw identityErrors.validation(`${key} can not be updated for credential`);
            }
          }
        }
        if (!(await updateCredentialBlob(env.db, env.credentials, current.id, blob))) {
          throw identityErrors.credentialNotFound(current.id);
        }
        return { credential: credentialView({ ...current, blob }, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/credentials/:credential_id',
      policy: 'identity:delete_credential',
      schema: { params: Params },
      status: 204,
      target: async (call) =>
        credentialTarget(await requireCredential(env, call.params.credential_id)),
      async handler(call) {
        const c = await requireCredential(env, call.params.credential_id);
        requirePrimaryAuthForCredentials(call.ctx.auth);
        if (!(await deleteCredential(env.db, c.id))) throw identityErrors.credentialNotFound(c.id);
        return undefined;
      },
    }),
  ];
}
