import type { ComputeDb } from './db.ts';

/** Stored limits, resource -> hard limit; absent resources fall back to the next level. */
export type LimitMap = Record<string, number>;

/** The `default` class (or another) as stored; config defaults fill what it lacks. */
export async function classLimits(db: ComputeDb, className: string): Promise<LimitMap> {
  const rows = await db
    .selectFrom('compute_quota_class')
    .selectAll()
    .where('class_name', '=', className)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
}

export async function setClassLimits(
  db: ComputeDb,
  className: string,
  limits: LimitMap,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [resource, hard_limit] of Object.entries(limits)) {
      await trx
        .deleteFrom('compute_quota_class')
        .where('class_name', '=', className)
        .where('resource', '=', resource)
        .execute();
      await trx
        .insertInto('compute_quota_class')
        .values({ class_name: className, resource, hard_limit })
        .execute();
    }
  });
}

/** A project's own limits (userId undefined) or a user's within it. */
export async function storedLimits(
  db: ComputeDb,
  projectId: string,
  userId?: string,
): Promise<LimitMap> {
  const rows = await db
    .selectFrom('compute_quota')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId ?? '')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
}

export async function setStoredLimits(
  db: ComputeDb,
  projectId: string,
  userId: string | undefined,
  limits: LimitMap,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [resource, hard_limit] of Object.entries(limits)) {
      await trx
        .deleteFrom('compute_quota')
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId ?? '')
        .where('resource', '=', resource)
        .execute();
      await trx
        .insertInto('compute_quota')
        .values({ project_id: projectId, user_id: userId ?? '', resource, hard_limit })
        .execute();
    }
  });
}

/** Removes a project's limits (and its users'), or only one user's. */
export async function deleteStoredLimits(
  db: ComputeDb,
  projectId: string,
  userId?: string,
): Promise<void> {
  let q = db.deleteFrom('compute_quota').where('project_id', '=', projectId);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  await q.execute();
}
