import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { IdentityDb } from './db.ts';
import type { IdentityTables } from './tables.ts';

/** Keystone's tag rules (API-WG tags guideline): at most 80 per project. */
export const MAX_PROJECT_TAGS = 80;

/** Tags of one project, sorted by name. */
export async function tagsOf(db: IdentityDb, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity_project_tag')
    .select('name')
    .where('project_id', '=', projectId)
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

// Keeps IN lists well below every dialect's bound-parameter limit.
const IN_CHUNK = 500;

/** Tags of many projects at once, for list views; projects without tags are absent. */
export async function tagsOfProjects(
  db: IdentityDb,
  projectIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < projectIds.length; i += IN_CHUNK) {
    const rows = await db
      .selectFrom('identity_project_tag')
      .selectAll()
      .where('project_id', 'in', projectIds.slice(i, i + IN_CHUNK))
      .orderBy('name')
      .execute();
    for (const r of rows) out.set(r.project_id, [...(out.get(r.project_id) ?? []), r.name]);
  }
  return out;
}

/** Replaces every tag of a project; the caller has checked the list (unique, bounded). */
export async function replaceTags(
  db: IdentityDb,
  projectId: string,
  tags: readonly string[],
): Promise<void> {
  await db.deleteFrom('identity_project_tag').where('project_id', '=', projectId).execute();
  if (tags.length === 0) return;
  await db
    .insertInto('identity_project_tag')
    .values(tags.map((name) => ({ project_id: projectId, name })))
    .execute();
}

/** Adds one tag; throws the driver's unique violation when the project has it already. */
export async function addTag(db: IdentityDb, projectId: string, tag: string): Promise<void> {
  await db
    .insertInto('identity_project_tag')
    .values({ project_id: projectId, name: tag })
    .execute();
}

/** Whether the tag was there to remove. */
export async function removeTag(db: IdentityDb, projectId: string, tag: string): Promise<boolean> {
  const result = await db
    .deleteFrom('identity_project_tag')
    .where('project_id', '=', projectId)
    .where('name', '=', tag)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * The tag filters of GET /v3/projects: `tags` (has all), `tags-any` (has one of),
 * `not-tags` (lacks at least one of), `not-tags-any` (has none of).
 */
export interface TagFilter {
  readonly all?: readonly string[];
  readonly any?: readonly string[];
  readonly notAll?: readonly string[];
  readonly notAny?: readonly string[];
}

export function isEmptyTagFilter(f: TagFilter): boolean {
  return !f.all?.length && !f.any?.length && !f.notAll?.length && !f.notAny?.length;
}

/** The filter as a condition on identity_project rows, one EXISTS per tag test. */
export function tagFilterCondition(
  eb: ExpressionBuilder<IdentityTables, 'identity_project'>,
  f: TagFilter,
): Expression<SqlBool> {
  const hasTag = (names: readonly string[]) =>
    eb.exists(
      eb
        .selectFrom('identity_project_tag as t')
        .select('t.name')
        .whereRef('t.project_id', '=', 'identity_project.id')
        .where('t.name', 'in', [...names]),
    );
  const parts: Expression<SqlBool>[] = [];
  for (const tag of f.all ?? []) parts.push(hasTag([tag]));
  if (f.any?.length) parts.push(hasTag(f.any));
  if (f.notAll?.length) parts.push(eb.not(eb.and(f.notAll.map((tag) => hasTag([tag])))));
  if (f.notAny?.length) parts.push(eb.not(hasTag(f.notAny)));
  return parts.length ? eb.and(parts) : eb.lit(true);
}
