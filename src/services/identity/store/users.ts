import {
  fromDbBool,
  fromDbJson,
  fromDbTime,
  toDbBool,
  toDbJson,
  toDbTime,
} from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import { softDeleteTrustsOfUser } from './trusts.ts';
import type { UserTable } from './tables.ts';

/** A user as the service works with it (decoded from its row). */
export interface User {
  readonly id: string;
  readonly domainId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly defaultProjectId: string | null;
  readonly description: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly lastActiveAt: Date | null;
  readonly failedAuthCount: number;
  readonly failedAuthAt: Date | null;
}

/** A password to store: the hash, when it was set and expires, and whether the user set it. */
export interface NewPassword {
  readonly hash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly selfService: boolean;
}

export interface PasswordRecord extends NewPassword {
  readonly id: number;
}

export function userFromRow(row: UserTable): User {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    enabled: fromDbBool(row.enabled),
    defaultProjectId: row.default_project_id,
    description: row.description,
    extra: fromDbJson(row.extra),
    options: fromDbJson(row.options),
    createdAt: fromDbTime(row.created_at),
    lastActiveAt: row.last_active_at ? fromDbTime(row.last_active_at) : null,
    failedAuthCount: Number(row.failed_auth_count),
    failedAuthAt: row.failed_auth_at ? fromDbTime(row.failed_auth_at) : null,
  };
}

export async function getUser(db: IdentityDb, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('identity_user')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function findUserByName(
  db: IdentityDb,
  domainId: string,
  name: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('identity_user')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

/** The user's passwords, newest first (the first is the current one). */
export async function passwordHistory(
  db: IdentityDb,
  userId: string,
  limit: number,
): Promise<PasswordRecord[]> {
  const rows = await db
    .selectFrom('identity_password')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.max(1, limit))
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    hash: r.password_hash,
    createdAt: fromDbTime(r.created_at),
    expiresAt: r.expires_at ? fromDbTime(r.expires_at) : null,
    selfService: fromDbBool(r.self_service),
  }));
}

export async function currentPassword(
  db: IdentityDb,
  userId: string,
): Promise<PasswordRecord | undefined> {
  return (await passwordHistory(db, userId, 1))[0];
}

export async function addPassword(db: IdentityDb, userId: string, p: NewPassword): Promise<void> {
  await db
    .insertInto('identity_password')
    .values({
      user_id: userId,
      password_hash: p.hash,
      created_at: toDbTime(p.createdAt),
      expires_at: p.expiresAt ? toDbTime(p.expiresAt) : null,
      self_service: p.selfService ? 1 : 0,
    })
    .execute();
}

export async function recordFailedAuth(db: IdentityDb, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('identity_user')
    .set((eb) => ({
      failed_auth_count: eb('failed_auth_count', '+', 1),
      failed_auth_at: toDbTime(at),
    }))
    .where('id', '=', userId)
    .execute();
}

export async function clearFailedAuth(db: IdentityDb, userId: string): Promise<void> {
  await db
    .updateTable('identity_user')
    .set({ failed_auth_count: 0, failed_auth_at: null })
    .where('id', '=', userId)
    .execute();
}

export async function touchLastActive(db: IdentityDb, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('identity_user')
    .set({ last_active_at: toDbTime(at) })
    .where('id', '=', userId)
    .execute();
}

/** Ids of the groups the user belongs to. */
export async function groupIdsOfUser(db: IdentityDb, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_group_membership')
    .select('group_id')
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.group_id);
}

// ---- User management (the /v3/users API) ----

/** A user with the expiry of their current password, which every user view shows. */
export interface UserListing {
  readonly user: User;
  readonly passwordExpiresAt: Date | null;
}

/** Equality filters of a user list; all given ones must match. */
export interface UserFilters {
  readonly ids?: readonly string[];
  readonly domainId?: string;
  readonly name?: string;
  readonly enabled?: boolean;
  /** Only members of this group. */
  readonly groupId?: string;
}

/**
 * Users matching the filters, ordered by id as Keystone pages them, each with its current
 * password's expiry read in the same query (a correlated subquery, so one round trip).
 */
export async function listUsers(db: IdentityDb, f: UserFilters = {}): Promise<UserListing[]> {
  if (f.ids && f.ids.length === 0) return [];
  let q = db
    .selectFrom('identity_user as u')
    .selectAll('u')
    .select((eb) =>
      eb
        .selectFrom('identity_password as p')
        .select('p.expires_at')
        .whereRef('p.user_id', '=', 'u.id')
        .orderBy('p.created_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(1)
        .as('password_expires_at'),
    );
  if (f.groupId !== undefined) {
    q = q
      .innerJoin('identity_group_membership as m', 'm.user_id', 'u.id')
      .where('m.group_id', '=', f.groupId);
  }
  if (f.ids) q = q.where('u.id', 'in', [...f.ids]);
  if (f.domainId !== undefined) q = q.where('u.domain_id', '=', f.domainId);
  if (f.name !== undefined) q = q.where('u.name', '=', f.name);
  if (f.enabled !== undefined) q = q.where('u.enabled', '=', toDbBool(f.enabled));
  const rows = await q.orderBy('u.id').execute();
  return rows.map(({ password_expires_at, ...row }) => ({
    user: userFromRow(row),
    passwordExpiresAt: password_expires_at ? fromDbTime(password_expires_at) : null,
  }));
}

export async function getUserListing(db: IdentityDb, id: string): Promise<UserListing | undefined> {
  return (await listUsers(db, { ids: [id] }))[0];
}

/** A user to store: a new one has no activity or failed logins yet. */
export type NewUser = Omit<User, 'lastActiveAt' | 'failedAuthCount' | 'failedAuthAt'>;

export async function insertUser(db: IdentityDb, u: NewUser): Promise<void> {
  await db
    .insertInto('identity_user')
    .values({
      id: u.id,
      domain_id: u.domainId,
      name: u.name,
      enabled: toDbBool(u.enabled),
      default_project_id: u.defaultProjectId,
      description: u.description,
      extra: toDbJson(u.extra),
      options: toDbJson(u.options),
      created_at: toDbTime(u.createdAt),
      last_active_at: null,
      failed_auth_count: 0,
      failed_auth_at: null,
    })
    .execute();
}

/** Columns an update may change; absent members stay as they are. */
export interface UserChanges {
  readonly name?: string;
  readonly enabled?: boolean;
  readonly defaultProjectId?: string | null;
  readonly description?: string | null;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly lastActiveAt?: Date;
  /** Clears the lockout counter (an admin re-enabling the user unlocks it, as in Keystone). */
  readonly resetFailedAuth?: boolean;
}

export async function updateUser(db: IdentityDb, id: string, c: UserChanges): Promise<void> {
  const set: Partial<UserTable> = {};
  if (c.name !== undefined) set.name = c.name;
  if (c.enabled !== undefined) set.enabled = toDbBool(c.enabled);
  if (c.defaultProjectId !== undefined) set.default_project_id = c.defaultProjectId;
  if (c.description !== undefined) set.description = c.description;
  if (c.extra !== undefined) set.extra = toDbJson(c.extra);
  if (c.options !== undefined) set.options = toDbJson(c.options);
  if (c.lastActiveAt !== undefined) set.last_active_at = toDbTime(c.lastActiveAt);
  if (c.resetFailedAuth) {
    set.failed_auth_count = 0;
    set.failed_auth_at = null;
  }
  if (Object.keys(set).length === 0) return;
  await db.updateTable('identity_user').set(set).where('id', '=', id).execute();
}

const USER_ASSIGNMENT_TYPES = ['UserProject', 'UserDomain', 'UserSystem'] as const;

/**
 * Deletes a user and what only made sense with them: role assignments (no FK on actor),
 * group memberships, and trusts they granted or received. Passwords, credentials and
 * application credentials go by FK cascade. Returns the deleted trusts' ids so the caller
 * can revoke their tokens. Run it inside a transaction.
 */
export async function deleteUserAndDependents(
  db: IdentityDb,
  id: string,
  now: Date,
): Promise<{ trustIds: string[] }> {
  // Trusts are soft-deleted, as Keystone does, so ids stay unique and auditable.
  const trustIds = await softDeleteTrustsOfUser(db, id, now);
  await db
    .deleteFrom('identity_assignment')
    .where('actor_id', '=', id)
    .where('type', 'in', [...USER_ASSIGNMENT_TYPES])
    .execute();
  await db.deleteFrom('identity_group_membership').where('user_id', '=', id).execute();
  await db.deleteFrom('identity_user').where('id', '=', id).execute();
  return { trustIds };
}

/**
 * Makes `p` the user's current password, as Keystone does: earlier passwords are marked
 * expired now, and only the newest `keep` of them stay as history for the reuse check.
 * Run it inside a transaction.
 */
export async function replacePassword(
  db: IdentityDb,
  userId: string,
  p: NewPassword,
  keep: number,
): Promise<void> {
  const now = toDbTime(p.createdAt);
  await db
    .updateTable('identity_password')
    .set({ expires_at: now })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
  const older = await db
    .selectFrom('identity_password')
    .select('id')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const drop = older.slice(Math.max(1, keep)).map((r) => Number(r.id));
  if (drop.length) await db.deleteFrom('identity_password').where('id', 'in', drop).execute();
  await addPassword(db, userId, p);
}
