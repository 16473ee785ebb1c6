import { Type } from 'typebox';
import { ApiError } from '../../../core/errors/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { getUser } from '../store/users.ts';
import { getProject } from '../store/projects.ts';
import {
  deleteCredential,
  getCredential,
  insertCredential,
  listCredentials,
  type Credential,
} from '../store/credentials.ts';
import { linkBase } from './base-url.ts';
import { collection } from './views.ts';
import { ec2CredentialView } from './credential-views.ts';
import { ec2CredentialId } from './credential-routes.ts';
import { requirePrimaryAuthForCredentials } from './credential-delegation.ts';

/**
 * OS-EC2: per-user EC2-style access/secret pairs, stored as `ec2` credentials whose id is
 * the SHA-256 of the access key (so /v3/credentials shows them too).
 */
const UserParams = Type.Object({ user_id: Type.String() });
const KeyParams = Type.Object({ user_id: Type.String(), credential_id: Type.String() });
// Keystone reads tenant_id without a schema: a missing one is an unknown project (404).
const CreateBody = Type.Unknown();

function tenantOf(body: unknown): unknown {
  return body !== null && typeof body === 'object'
    ? (body as Record<string, unknown>).tenant_id
    : undefined;
}

async function requireUser(env: IdentityEnv, userId: string): Promise<void> {
  if (!(await getUser(env.db, userId))) throw identityErrors.userNotFound(userId);
}

/** The ec2 credential of this user with this access key. */
async function requireEc2Credential(
  env: IdentityEnv,
  userId: string,
  access: string,
): Promise<Credential> {
  const id = ec2CredentialId(access);
  const c = await getCredential(env.db, env.credentials, id);
  if (!c || c.userId !== userId) throw identityErrors.credentialNotFound(id);
  if (c.type !== 'ec2')
    throw new ApiError(401, 'identity.auth_failed', 'EC2 access key not found.');
  return c;
}

async function keyTarget(
  env: IdentityEnv,
  userId: string,
  access: string,
): Promise<Record<string, unknown>> {
  const c = await getCredential(env.db, env.credentials, ec2CredentialId(access));
  if (!c) throw identityErrors.credentialNotFound(ec2CredentialId(access));
  return { user_id: userId, 'target.credential.user_id': c.userId };
}

export function ec2Routes(env: IdentityEnv): RouteSpec[] {
  const base = '/v3/users/:user_id/credentials/OS-EC2';
  return [
    defineRoute({
      method: 'POST',
      url: base,
      policy: 'identity:ec2_create_credential',
      schema: { params: UserParams, body: CreateBody },
      status: 201,
      target: (call) => ({
        user_id: call.params.user_id,
        'target.credential.user_id': call.params.user_id,
      }),
      async handler(call) {
        const userId = call.params.user_id;
        await requireUser(env, userId);
        const tenant = tenantOf(call.body);
        const tenantId = typeof tenant === 'string' ? tenant : undefined;
        if (tenantId === undefined || !(await getProject(env.db, tenantId))) {
          throw identityErrors.projectNotFound(tenantId ?? String(tenant ?? 'None'));
        }
        requirePrimaryAuthForCredentials(call.ctx.auth);
        const blob = { access: newId(), secret: newId(), trust_id: null };
        const credential: Credential = {
          id: ec2CredentialId(blob.access),
          userId,
          projectId: tenantId,
          type: 'ec2',
          blob: JSON.stringify(blob),
          extra: {},
        };
        try {
          await insertCredential(env.db, env.credentials, credential);
        } catch (err) {
          if (isUniqueViolation(err))
            throw identityErrors.duplicate('credential', 'id', credential.id);
          throw err;
        }
        return { credential: ec2CredentialView(credential, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: base,
      policy: 'identity:ec2_list_credentials',
      schema: { params: UserParams },
      async target(call) {
        await requireUser(env, call.params.user_id);
        return { user_id: call.params.user_id, 'target.credential.user_id': call.params.user_id };
      },
      async handler(call) {
        requirePrimaryAuthForCredentials(call.ctx.auth);
        const baseUrl = linkBase(env, call);
        const creds = await listCredentials(env.db, env.credentials, {
          userId: call.params.user_id,
          type: 'ec2',
        });
        return collection(
          'credentials',
          creds.map((c) => ec2CredentialView(c, baseUrl)),
          { baseUrl, path: `users/${call.params.user_id}/credentials/OS-EC2` },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:credential_id`,
      policy: 'identity:ec2_get_credential',
      schema: { params: KeyParams },
      target: (call) => keyTarget(env, call.params.user_id, call.params.credential_id),
      async handler(call) {
        await requireUser(env, call.params.user_id);
        const c = await requireEc2Credential(env, call.params.user_id, call.params.credential_id);
        requirePrimaryAuthForCredentials(call.ctx.auth);
        return { credential: ec2CredentialView(c, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:credential_id`,
      policy: 'identity:ec2_delete_credential',
      schema: { params: KeyParams },
      status: 204,
      target: (call) => keyTarget(env, call.params.user_id, call.params.credential_id),
      async handler(call) {
        await requireUser(env, call.params.user_id);
        const c = await requireEc2Credential(env, call.params.user_id, call.params.credential_id);
        requirePrimaryAuthForCredentials(call.ctx.auth);
        await deleteCredential(env.db, c.id);
        return undefined;
      },
    }),
  ];
}
