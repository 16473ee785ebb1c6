import { fromDbBool, fromDbJson, fromDbTime, toDbTime } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
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

export interface PasswordRecord {
  readonly id: number;
  readonly hash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly selfService: boolean;
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
  const row = await db.selectFrom('identity_user').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function findUserByName(db: IdentityDb, domainId: string, name: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('identity_user')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

/** The user's passwords, newest first (the first is the current one). */
export async function passwordHistory(db: IdentityDb, userId: string, limit: number): Promise<PasswordRecord[]> {
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

export async function currentPassword(db: IdentityDb, userId: string): Promise<PasswordRecord | undefined> {
  return (await passwordHistory(db, userId, 1))[0];
}

export async function addPassword(
  db: IdentityDb,
  userId: string,
  p: { hash: string; createdAt: Date; expiresAt: Date | null; selfService: boolean },
): Promise<void> {
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
    .set((eb) => ({ failed_auth_count: eb('failed_auth_count', '+', 1), failed_auth_at: toDbTime(at) }))
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
  await db.updateTable('identity_user').set({ last_active_at: toDbTime(at) }).where('id', '=', userId).execute();
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
