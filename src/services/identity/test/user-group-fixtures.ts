/**
 * Direct-to-store fixtures for the user and group tests: domains, projects and role
 * assignments that other route families own, written straight to the tables so these
 * tests do not depend on those APIs.
 */
import { newId } from '../ids.ts';
import { findGlobalRoleByName } from '../store/roles.ts';
import { ROOT_DOMAIN, type AssignmentType } from '../store/tables.ts';
import type { IdentityHarness } from './harness.ts';

export async function makeDomain(
  h: IdentityHarness,
  name = `dom-${newId().slice(0, 8)}`,
): Promise<string> {
  const id = newId();
  await h.env.db
    .insertInto('identity_project')
    .values({
      id,
      name,
      domain_id: ROOT_DOMAIN,
      parent_id: null,
      is_domain: 1,
      enabled: 1,
      description: '',
      extra: '{}',
      options: '{}',
    })
    .execute();
  return id;
}

export async function makeProject(
  h: IdentityHarness,
  opts: { domainId?: string; parentId?: string; name?: string; enabled?: boolean } = {},
): Promise<string> {
  const id = newId();
  const domainId = opts.domainId ?? 'default';
  await h.env.db
    .insertInto('identity_project')
    .values({
      id,
      name: opts.name ?? `proj-${id.slice(0, 8)}`,
      domain_id: domainId,
      parent_id: opts.parentId ?? domainId,
      is_domain: 0,
      enabled: opts.enabled === false ? 0 : 1,
      description: '',
      extra: '{}',
      options: '{}',
    })
    .execute();
  return id;
}

export async function roleId(h: IdentityHarness, name: string): Promise<string> {
  const role = await findGlobalRoleByName(h.env.db, name);
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

export async function grant(
  h: IdentityHarness,
  a: {
    type: AssignmentType;
    actorId: string;
    targetId: string;
    role?: string;
    inherited?: boolean;
  },
): Promise<void> {
  await h.env.db
    .insertInto('identity_assignment')
    .values({
      type: a.type,
      actor_id: a.actorId,
      target_id: a.targetId,
      role_id: await roleId(h, a.role ?? 'member'),
      inherited: a.inherited ? 1 : 0,
    })
    .execute();
}

// Views are checked field by field in the tests, so they stay loosely typed here.
export type View = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Creates a user through the API as admin; returns its view. */
export async function createUser(h: IdentityHarness, user: Record<string, unknown>): Promise<View> {
  const reply = await h.request('POST', '/v3/users', { token: h.adminToken, body: { user } });
  if (reply.status !== 201)
    throw new Error(`create user: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.user;
}

/** A project-scoped token of a new user who is a member of a new project. */
export async function projectMember(
  h: IdentityHarness,
): Promise<{ userId: string; projectId: string; token: string }> {
  const projectId = await makeProject(h);
  const password = `Pw-${newId()}`;
  const user = await createUser(h, { name: `member-${newId().slice(0, 8)}`, password });
  await grant(h, { type: 'UserProject', actorId: user.id, targetId: projectId, role: 'member' });
  const { token, reply } = await h.passwordToken(
    { id: user.id, password },
    { project: { id: projectId } },
  );
  if (reply.status !== 201) throw new Error(`member token: ${JSON.stringify(reply.body)}`);
  return { userId: user.id, projectId, token };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
