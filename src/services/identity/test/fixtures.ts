/**
 * Fixtures of the identity tests. What a test needs to exist but does not test (domains,
 * projects, users, groups, roles, grants) is seeded through the same store functions the
 * API uses, so there is one way to create each thing and a test exercises only the API
 * under test. Tokens of seeded users, and a few helpers that create through the API as
 * admin where a test wants the API's own result, complete it.
 */
import { newId } from '../ids.ts';
import { addGrant, grantFromRow } from '../store/assignments.ts';
import { addMember, insertGroup } from '../store/groups.ts';
import { insertProject } from '../store/projects.ts';
import { findGlobalRoleByName, insertRole } from '../store/roles.ts';
import { ROOT_DOMAIN, type AssignmentType } from '../store/tables.ts';
import { addPassword, insertUser } from '../store/users.ts';
import type { IdentityHarness, Reply } from './harness.ts';

// Views are checked field by field in the tests, so they stay loosely typed here.
export type View = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The password of every seeded user that is not given one. */
export const FIXTURE_PASSWORD = 'Fixture-Pass-1234';

/** A name no other fixture has: `prefix-` and ten hex digits. */
export const uniq = (prefix: string): string => `${prefix}-${newId().slice(0, 10)}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- Seeded through the store ----

async function seedProjectRow(
  h: IdentityHarness,
  p: {
    name: string;
    domainId: string;
    parentId: string | null;
    isDomain: boolean;
    enabled: boolean;
  },
): Promise<string> {
  const id = newId();
  await insertProject(h.env.db, { id, description: '', extra: {}, options: {}, ...p });
  return id;
}

export async function seedDomain(
  h: IdentityHarness,
  opts: { name?: string } = {},
): Promise<string> {
  return seedProjectRow(h, {
    name: opts.name ?? uniq('dom'),
    domainId: ROOT_DOMAIN,
    parentId: null,
    isDomain: true,
    enabled: true,
  });
}

/** A project in the domain (`default` when absent), child of `parentId` or else the domain. */
export async function seedProject(
  h: IdentityHarness,
  opts: { domainId?: string; parentId?: string; name?: string; enabled?: boolean } = {},
): Promise<string> {
  const domainId = opts.domainId ?? 'default';
  return seedProjectRow(h, {
    name: opts.name ?? uniq('proj'),
    domainId,
    parentId: opts.parentId ?? domainId,
    isDomain: false,
    enabled: opts.enabled ?? true,
  });
}

/** An enabled user with a password (FIXTURE_PASSWORD unless given); returns its id. */
export async function seedUser(
  h: IdentityHarness,
  opts: { domainId?: string; name?: string; password?: string } = {},
): Promise<string> {
  const id = newId();
  const now = h.env.now();
  await insertUser(h.env.db, {
    id,
    domainId: opts.domainId ?? 'default',
    name: opts.name ?? uniq('user'),
    enabled: true,
    defaultProjectId: null,
    description: null,
    extra: {},
    options: {},
    createdAt: now,
  });
  await addPassword(h.env.db, id, {
    hash: await h.env.hasher.hash(opts.password ?? FIXTURE_PASSWORD),
    createdAt: now,
    expiresAt: null,
    selfService: false,
  });
  return id;
}

export async function seedGroup(
  h: IdentityHarness,
  opts: { domainId?: string; name?: string } = {},
): Promise<string> {
  const id = newId();
  await insertGroup(h.env.db, {
    id,
    domainId: opts.domainId ?? 'default',
    name: opts.name ?? uniq('group'),
    description: '',
    extra: {},
  });
  return id;
}

export async function addToGroup(
  h: IdentityHarness,
  groupId: string,
  userId: string,
): Promise<void> {
  await addMember(h.env.db, groupId, userId);
}

/** A role, global unless `domainId` is given; returns its id. */
export async function seedRole(
  h: IdentityHarness,
  opts: { name?: string; domainId?: string } = {},
): Promise<string> {
  const role = await insertRole(h.env.db, newId(), {
    name: opts.name ?? uniq('role'),
    domainId: opts.domainId ?? null,
    description: null,
    options: {},
    extra: {},
  });
  return role.id;
}

/** The id of a global role, e.g. one bootstrap made (admin, member, reader, service). */
export async function roleId(h: IdentityHarness, name: string): Promise<string> {
  const role = await findGlobalRoleByName(h.env.db, name);
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

/** One assignment, in the store's terms; the role is `roleId`, else the global role `role`. */
export interface GrantSpec {
  readonly type: AssignmentType;
  readonly actorId: string;
  readonly targetId: string;
  /** Name of a global role; `member` when neither this nor roleId is given. */
  readonly role?: string;
  readonly roleId?: string;
  readonly inherited?: boolean;
}

export async function grant(h: IdentityHarness, g: GrantSpec): Promise<void> {
  await addGrant(
    h.env.db,
    grantFromRow({
      type: g.type,
      actor_id: g.actorId,
      target_id: g.targetId,
      role_id: g.roleId ?? (await roleId(h, g.role ?? 'member')),
      inherited: g.inherited ? 1 : 0,
    }),
  );
}

// ---- Tokens ----

export interface TokenReply {
  readonly token: string;
  readonly status: number;
  readonly body: Reply['body'];
}

/** A password token of a seeded user, scoped as asked; the caller judges the reply. */
export async function userToken(
  h: IdentityHarness,
  userId: string,
  scope?: Record<string, unknown>,
  password = FIXTURE_PASSWORD,
): Promise<TokenReply> {
  const { token, reply } = await h.passwordToken({ id: userId, password }, scope);
  return { token, status: reply.status, body: reply.body };
}

/** Like userToken, for a token the test relies on: anything but 201 fails the setup. */
async function scopedToken(
  h: IdentityHarness,
  userId: string,
  scope: Record<string, unknown>,
): Promise<string> {
  const t = await userToken(h, userId, scope);
  if (t.status !== 201) throw new Error(`token failed: ${t.status} ${JSON.stringify(t.body)}`);
  return t.token;
}

export interface SeededMember {
  readonly userId: string;
  readonly projectId: string;
  readonly password: string;
  /** Project-scoped token of the user. */
  readonly token: string;
}

/**
 * A new user holding `role` (member, hence reader, by default) and any `extraRoleIds` on
 * the project (a new one when absent), with a token scoped to it.
 */
export async function seedMember(
  h: IdentityHarness,
  opts: { projectId?: string; role?: string; extraRoleIds?: readonly string[] } = {},
): Promise<SeededMember> {
  const userId = await seedUser(h);
  const projectId = opts.projectId ?? (await seedProject(h));
  const on = { type: 'UserProject', actorId: userId, targetId: projectId } as const;
  await grant(h, { ...on, role: opts.role ?? 'member' });
  for (const id of opts.extraRoleIds ?? []) await grant(h, { ...on, roleId: id });
  const token = await scopedToken(h, userId, { project: { id: projectId } });
  return { userId, projectId, password: FIXTURE_PASSWORD, token };
}

/** A new user holding `role` (member by default) on the domain, with a token scoped to it. */
export async function seedDomainMember(
  h: IdentityHarness,
  domainId: string,
  role = 'member',
): Promise<{ userId: string; token: string }> {
  const userId = await seedUser(h);
  await grant(h, { type: 'UserDomain', actorId: userId, targetId: domainId, role });
  return { userId, token: await scopedToken(h, userId, { domain: { id: domainId } }) };
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

// ---- Created through the API as admin ----

/** POSTs `{ [kind]: body }` to `/v3/<collection>` as admin; returns the created view. */
async function createAsAdmin(
  h: IdentityHarness,
  collection: string,
  kind: string,
  body: Record<string, unknown>,
): Promise<View> {
  const reply = await h.request('POST', `/v3/${collection}`, {
    token: h.adminToken,
    body: { [kind]: body },
  });
  if (reply.status !== 201)
    throw new Error(`create ${kind}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body[kind];
}

export function createUser(h: IdentityHarness, user: Record<string, unknown>): Promise<View> {
  return createAsAdmin(h, 'users', 'user', user);
}

export function createProject(
  h: IdentityHarness,
  project: Record<string, unknown> = {},
): Promise<View> {
  return createAsAdmin(h, 'projects', 'project', { name: uniq('project'), ...project });
}

export function createDomain(
  h: IdentityHarness,
  domain: Record<string, unknown> = {},
): Promise<View> {
  return createAsAdmin(h, 'domains', 'domain', { name: uniq('domain'), ...domain });
}

/** A catalog service of the type (a unique one when absent); returns its id. */
export async function createService(
  h: IdentityHarness,
  type = `type-${newId().slice(0, 8)}`,
): Promise<string> {
  const service = await createAsAdmin(h, 'services', 'service', { type, name: uniq('svc') });
  return service.id as string;
}
