import { fromDbJson, isUniqueViolation, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { GroupTable } from './tables.ts';

/** A group of users, owned by a domain. */
export interface Group {
  readonly id: string;
  readonly domainId: string;
  readonly name: string;
  readonly description: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

export function groupFromRow(row: GroupTable): Group {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    description: row.description,
    extra: fromDbJson(row.extra),
  };
}

export async function getGroup(db: IdentityDb, id: string): Promise<Group | undefined> {
  const row = await db
    .selectFrom('identity_group')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? groupFromRow(row) : undefined;
}

export interface GroupFilters {
  readonly domainId?: string;
  readonly name?: string;
  /** Only groups this user belongs to. */
  readonly memberId?: string;
}

/** Groups matching the filters, ordered by id. */
export async function listGroups(db: IdentityDb, f: GroupFilters = {}): Promise<Group[]> {
  let q = db.selectFrom('identity_group as g').selectAll('g');
  if (f.memberId !== undefined) {
    q = q
      .innerJoin('identity_group_membership as m', 'm.group_id', 'g.id')
      .where('m.user_id', '=', f.memberId);
  }
  if (f.domainId !== undefined) q = q.where('g.domain_id', '=', f.domainId);
  if (f.name !== undefined) q = q.where('g.name', '=', f.name);
  const rows = await q.orderBy('g.id').execute();
  return rows.map(groupFromRow);
}

export async function insertGroup(db: IdentityDb, g: Group): Promise<void> {
  await db
    .insertInto('identity_group')
    .values({
      id: g.id,
      domain_id: g.domainId,
      name: g.name,
      description: g.description,
      extra: toDbJson(g.extra),
    })
    .execute();
}

export async function updateGroup(
  db: IdentityDb,
  id: string,
  c: { name?: string; description?: string; extra?: Readonly<Record<string, unknown>> },
): Promise<void> {
  const set: Partial<GroupTable> = {};
  if (c.name !== undefined) set.name = c.name;
  if (c.description !== undefined) set.description = c.description;
  if (c.extra !== undefined) set.extra = toDbJson(c.extra);
  if (Object.keys(set).length === 0) return;
  await db.updateTable('identity_group').set(set).where('id', '=', id).execute();
}

const GROUP_ASSIGNMENT_TYPES = ['GroupProject', 'GroupDomain', 'GroupSystem'] as const;

/**
 * Deletes a group with its role assignments (no FK on the actor) and memberships. Members
 * keep their tokens: roles are re-read at validation, so the group's grants stop applying
 * at once. Run it inside a transaction.
 */
export async function deleteGroupAndDependents(db: IdentityDb, id: string): Promise<void> {
  await db
    .deleteFrom('identity_assignment')
    .where('actor_id', '=', id)
    .where('type', 'in', [...GROUP_ASSIGNMENT_TYPES])
    .execute();
  await db.deleteFrom('identity_group_membership').where('group_id', '=', id).execute();
  await db.deleteFrom('identity_group').where('id', '=', id).execute();
}

export async function isMember(db: IdentityDb, groupId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('identity_group_membership')
    .select('user_id')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Adds the user to the group; adding an existing member is a no-op, as in Keystone (a
 * concurrent add of the same pair loses the race on the primary key, which is fine).
 */
export async function addMember(db: IdentityDb, groupId: string, userId: string): Promise<void> {
  if (await isMember(db, groupId, userId)) return;
  try {
    await db
      .insertInto('identity_group_membership')
      .values({ group_id: groupId, user_id: userId })
      .execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

/** Removes the membership; false when there was none. */
export async function removeMember(
  db: IdentityDb,
  groupId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('identity_group_membership')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
