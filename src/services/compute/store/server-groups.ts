import type { Selectable } from 'kysely';
import { toDbTime } from '../../../core/db/index.ts';
import type { ComputeDb } from './db.ts';
import type { ServerGroupTable } from './tables.ts';

export interface ServerGroupRules {
  max_server_per_host?: number;
}

export interface ServerGroup {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly userId: string;
  readonly policy: string;
  readonly rules: ServerGroupRules;
  readonly members: readonly string[];
  readonly createdAt: string;
}

function toGroup(row: Selectable<ServerGroupTable>, members: readonly string[]): ServerGroup {
  return {
    id: row.id,
    name: row.name,
    projectId: row.project_id,
    userId: row.user_id,
    policy: row.policy,
    rules: JSON.parse(row.rules) as ServerGroupRules,
    members,
    createdAt: row.created_at,
  };
}

async function membersOf(db: ComputeDb, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('compute_server_group_member')
    .selectAll()
    .where('group_id', 'in', [...ids])
    .orderBy('instance_uuid')
    .execute();
  for (const r of rows) out.get(r.group_id)!.push(r.instance_uuid);
  return out;
}

/**
 * Adds a group unless the project would go past `limit` groups (-1: no limit), checked
 * in the same transaction; undefined when over the limit.
 */
export async function insertServerGroup(
  db: ComputeDb,
  g: {
    id: string;
    name: string;
    projectId: string;
    userId: string;
    policy: string;
    rules: ServerGroupRules;
  },
  limit: number,
  now: Date,
): Promise<ServerGroup | undefined> {
  return db.transaction().execute(async (trx) => {
    if (limit >= 0) {
      const { n } = await trx
        .selectFrom('compute_server_group')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('project_id', '=', g.projectId)
        .executeTakeFirstOrThrow();
      if (Number(n) + 1 > limit) return undefined;
    }
    const row = {
      id: g.id,
      name: g.name,
      project_id: g.projectId,
      user_id: g.userId,
      policy: g.policy,
      rules: JSON.stringify(g.rules),
      created_at: toDbTime(now),
    };
    await trx.insertInto('compute_server_group').values(row).execute();
    return toGroup(row, []);
  });
}

export async function getServerGroup(db: ComputeDb, id: string): Promise<ServerGroup | undefined> {
  const row = await db
    .selectFrom('compute_server_group')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return toGroup(row, (await membersOf(db, [row.id])).get(row.id)!);
}

/** Groups of one project (or every project), oldest first, Nova's limit/offset paging. */
export async function listServerGroups(
  db: ComputeDb,
  q: { projectId?: string | undefined; limit?: number | undefined; offset?: number | undefined },
): Promise<ServerGroup[]> {
  let query = db.selectFrom('compute_server_group').selectAll();
  if (q.projectId !== undefined) query = query.where('project_id', '=', q.projectId);
  query = query.orderBy('created_at').orderBy('id');
  if (q.limit !== undefined) query = query.limit(q.limit);
  if (q.offset)
    query = (q.limit === undefined ? query.limit(Number.MAX_SAFE_INTEGER) : query).offset(q.offset);
  const rows = await query.execute();
  const members = await membersOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toGroup(r, members.get(r.id)!));
}

export async function countServerGroups(db: ComputeDb, projectId: string): Promise<number> {
  const { n } = await db
    .selectFrom('compute_server_group')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function deleteServerGroup(db: ComputeDb, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('compute_server_group_member').where('group_id', '=', id).execute();
    const res = await trx
      .deleteFrom('compute_server_group')
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  });
}
