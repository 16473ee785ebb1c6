import { toDbTime } from '../../../core/db/index.ts';
import { DEFAULT_DOMAIN_ID, newId } from '../ids.ts';
import { addPassword } from '../store/users.ts';
import { findGlobalRoleByName } from '../store/roles.ts';
import { NULL_DOMAIN } from '../store/tables.ts';
import type { IdentityHarness } from './harness.ts';

/**
 * Seeds users, projects, roles and grants straight into the store, so the credential,
 * trust and application credential tests do not depend on the user/project/role APIs.
 */
export async function seedProject(
  h: IdentityHarness,
  name = `p-${newId().slice(0, 8)}`,
): Promise<string> {
  const id = newId();
  await h.env.db
    .insertInto('identity_project')
    .values({
      id,
      name,
      domain_id: DEFAULT_DOMAIN_ID,
      parent_id: DEFAULT_DOMAIN_ID,
      is_domain: 0,
      enabled: 1,
      description: '',
      extra: '{}',
      options: '{}',
    })
    .execute();
  return id;
}

export async function seedRole(
  h: IdentityHarness,
  name = `r-${newId().slice(0, 8)}`,
): Promise<string> {
  const id = newId();
  await h.env.db
    .insertInto('identity_role')
    .values({ id, name, domain_id: NULL_DOMAIN, description: null, options: '{}', extra: '{}' })
    .execute();
  return id;
}

export async function roleId(h: IdentityHarness, name: string): Promise<string> {
  const role = await findGlobalRoleByName(h.env.db, name);
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

export async function seedUser(
  h: IdentityHarness,
  name = `u-${newId().slice(0, 8)}`,
  password = 'Secret-Pass-1',
): Promise<string> {
  const id = newId();
  const now = h.env.now();
  await h.env.db
    .insertInto('identity_user')
    .values({
      id,
      domain_id: DEFAULT_DOMAIN_ID,
      name,
      enabled: 1,
      default_project_id: null,
      description: null,
      extra: '{}',
      options: '{}',
      created_at: toDbTime(now),
      last_active_at: null,
      failed_auth_count: 0,
      failed_auth_at: null,
    })
    .execute();
  await addPassword(h.env.db, id, {
    hash: await h.env.hasher.hash(password),
    createdAt: now,
    expiresAt: null,
    selfService: true,
  });
  return id;
}

export async function grantOnProject(
  h: IdentityHarness,
  userId: string,
  projectId: string,
  role: string,
): Promise<void> {
  await h.env.db
    .insertInto('identity_assignment')
    .values({
      type: 'UserProject',
      actor_id: userId,
      target_id: projectId,
      role_id: role,
      inherited: 0,
    })
    .execute();
}

export interface SeededMember {
  readonly userId: string;
  readonly projectId: string;
  readonly password: string;
  /** Project-scoped token of the user. */
  readonly token: string;
}

/** A new user with `member` (hence `reader`) on a new project, and a token scoped to it. */
export async function seedMember(
  h: IdentityHarness,
  extraRoles: readonly string[] = [],
): Promise<SeededMember> {
  const password = 'Secret-Pass-1';
  const userId = await seedUser(h, undefined, password);
  const projectId = await seedProject(h);
  await grantOnProject(h, userId, projectId, await roleId(h, 'member'));
  for (const r of extraRoles) await grantOnProject(h, userId, projectId, r);
  const { token, reply } = await h.passwordToken(
    { id: userId, password },
    { project: { id: projectId } },
  );
  if (reply.status !== 201) throw new Error(`member token failed: ${JSON.stringify(reply.body)}`);
  return { userId, projectId, password, token };
}

/** Authenticates with an application credential; returns the token and the reply. */
export async function appCredToken(h: IdentityHarness, id: string, secret: string) {
  const reply = await h.request('POST', '/v3/auth/tokens', {
    body: {
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id, secret } },
      },
    },
  });
  return { token: String(reply.headers['x-subject-token'] ?? ''), reply };
}
