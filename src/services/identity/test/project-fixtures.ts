/**
 * Fixtures of the project, domain, tag and domain-config tests: users and role
 * assignments written straight to the store (other route families own those APIs), and
 * small helpers over the harness.
 */
import { toDbTime } from '../../../core/db/index.ts';
import { newId } from '../ids.ts';
import { addPassword } from '../store/users.ts';
import { findGlobalRoleByName } from '../store/roles.ts';
import type { AssignmentType } from '../store/tables.ts';
import type { IdentityHarness } from './harness.ts';

// Views are checked field by field in the tests, so they stay loosely typed here.
export type View = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const uniq = (prefix: string) => `${prefix}-${newId().slice(0, 10)}`;

/** A user with a password, in the given domain. */
export async function makeUser(
  h: IdentityHarness,
  opts: { domainId?: string; name?: string } = {},
): Promise<{ id: string; name: string; password: string; domainId: string }> {
  const id = newId();
  const name = opts.name ?? uniq('user');
  const domainId = opts.domainId ?? 'default';
  const password = `Pw-${newId()}`;
  const now = new Date();
  await h.env.db
    .insertInto('identity_user')
    .values({
      id,
      domain_id: domainId,
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
    selfService: false,
  });
  return { id, name, password, domainId };
}

export async function assign(
  h: IdentityHarness,
  a: { type: AssignmentType; actorId: string; targetId: string; role: string },
): Promise<void> {
  const role = await findGlobalRoleByName(h.env.db, a.role);
  if (!role) throw new Error(`no role ${a.role}`);
  await h.env.db
    .insertInto('identity_assignment')
    .values({
      type: a.type,
      actor_id: a.actorId,
      target_id: a.targetId,
      role_id: role.id,
      inherited: 0,
    })
    .execute();
}

/** Creates a project through the API as admin; returns its view. */
export async function createProject(
  h: IdentityHarness,
  project: Record<string, unknown> = {},
): Promise<View> {
  const reply = await h.request('POST', '/v3/projects', {
    token: h.adminToken,
    body: { project: { name: uniq('project'), ...project } },
  });
  if (reply.status !== 201)
    throw new Error(`create project: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.project;
}

/** Creates a domain through the API as admin; returns its view. */
export async function createDomain(
  h: IdentityHarness,
  domain: Record<string, unknown> = {},
): Promise<View> {
  const reply = await h.request('POST', '/v3/domains', {
    token: h.adminToken,
    body: { domain: { name: uniq('domain'), ...domain } },
  });
  if (reply.status !== 201)
    throw new Error(`create domain: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.domain;
}

/** A project-scoped token for a new user holding `role` on the project. */
export async function scopedMember(
  h: IdentityHarness,
  projectId: string,
  role = 'member',
  domainId = 'default',
): Promise<{ userId: string; token: string }> {
  const user = await makeUser(h, { domainId });
  await assign(h, { type: 'UserProject', actorId: user.id, targetId: projectId, role });
  const { token, reply } = await h.passwordToken(
    { id: user.id, password: user.password },
    { project: { id: projectId } },
  );
  if (reply.status !== 201)
    throw new Error(`member token: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { userId: user.id, token };
}
