/**
 * Keyset ("marker") pagination, the way OpenStack lists page: the client passes the last
 * item it saw, and the next page is every row that sorts after that item. Unlike OFFSET
 * this stays correct while rows are inserted and deleted, and costs the same on page 1000
 * as on page 1.
 *
 * The sort keys must end with a unique, NOT NULL tiebreaker (usually `id`) so that "after
 * the marker" is exact. For keys k1..kn with marker values v1..vn, "after" is
 *   (k1 ⊳ v1) OR (k1 = v1 AND k2 ⊳ v2) OR ... OR (k1 = v1 AND ... AND kn ⊳ vn)
 * where ⊳ is `>` for an ascending key and `<` for a descending one.
 *
 * NULLs: a key is taken to be NOT NULL unless it says `nullable: true`, and a NULL marker
 * value for such a key is an error. A nullable key sorts NULL as larger than every value
 * on all three dialects (last ascending, first descending: PostgreSQL's default, which
 * SQLite and MariaDB do not share). It is ordered by `(k IS NULL), k`, so a database index
 * on k alone no longer serves the ORDER BY; prefer NOT NULL sort columns.
 */
import { sql } from 'kysely';
import type { RawBuilder, SelectQueryBuilder, SqlBool } from 'kysely';

export interface SortKey {
  /** Column to order by, optionally qualified (`identity_user.name`). */
  readonly column: string;
  readonly dir: 'asc' | 'desc';
  /** The column may hold NULL: see the header for how NULLs sort. */
  readonly nullable?: boolean;
}

export interface PageRequest {
  /** Sort keys, most significant first, ending with a unique tiebreaker such as `id`. */
  readonly sort: readonly SortKey[];
  /**
   * The marker row: its value for each sort key, looked up by the key's column name,
   * or by the part after the last dot for a qualified column. Any object: a row as a
   * select returned it, or a `Record<string, unknown>` built from a stored marker.
   */
  readonly marker?: object | undefined;
  /** Most rows to return; no limit when absent. */
  readonly limit?: number | undefined;
}

export class PageRequestError extends Error {
  override readonly name = 'PageRequestError';
}

/** Orders `query` by the sort keys and, given a marker, keeps only the rows after it. */
export function applyPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: PageRequest,
): SelectQueryBuilder<DB, TB, O> {
  if (page.sort.length === 0) {
    throw new PageRequestError('applyPage: at least one sort key (a unique tiebreaker) is needed');
  }
  let q = query;
  if (page.marker !== undefined) q = q.where(afterMarker(page.sort, page.marker));
  for (const key of page.sort) {
    const ref = sql.ref(key.column);
    if (key.nullable === true) q = q.orderBy(sql`(${ref} is null)`, key.dir);
    q = q.orderBy(ref, key.dir);
  }
  if (page.limit !== undefined) {
    if (!Number.isInteger(page.limit) || page.limit < 0) {
      throw new PageRequestError(`applyPage: limit must be a non-negative integer`);
    }
    q = q.limit(page.limit);
  }
  return q;
}

function markerValue(marker: object, key: SortKey): unknown {
  const bare = key.column.slice(key.column.lastIndexOf('.') + 1);
  const name = Object.hasOwn(marker, key.column) ? key.column : bare;
  const value = Object.hasOwn(marker, name) ? (marker as Record<string, unknown>)[name] : undefined;
  if (value === undefined) {
    throw new PageRequestError(`applyPage: marker has no value for sort key '${key.column}'`);
  }
  if (value === null && key.nullable !== true) {
    throw new PageRequestError(
      `applyPage: marker value for '${key.column}' is NULL but the key is not nullable`,
    );
  }
  return value;
}

/** `k = v`, where a NULL marker value matches only NULL. */
function equalTo(key: SortKey, value: unknown): RawBuilder<SqlBool> {
  const ref = sql.ref(key.column);
  return value === null ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} = ${value}`;
}

/** `k ⊳ v` with NULL as the largest value, or undefined when nothing can follow. */
function after(key: SortKey, value: unknown): RawBuilder<SqlBool> | undefined {
  const ref = sql.ref(key.column);
  const nullable = key.nullable === true;
  if (key.dir === 'asc') {
    if (value === null) return undefined;
    return nullable
      ? sql<SqlBool>`(${ref} > ${value} or ${ref} is null)`
      : sql<SqlBool>`${ref} > ${value}`;
  }
  return value === null ? sql<SqlBool>`${ref} is not null` : sql<SqlBool>`${ref} < ${value}`;
}

function afterMarker(sort: readonly SortKey[], marker: object): RawBuilder<SqlBool> {
  const values = sort.map((key) => markerValue(marker, key));
  const branches: RawBuilder<SqlBool>[] = [];
  sort.forEach((key, i) => {
    const step = after(key, values[i]);
    if (step === undefined) return;
    const equalities = sort.slice(0, i).map((k, j) => equalTo(k, values[j]));
    branches.push(sql<SqlBool>`(${sql.join([...equalities, step], sql` and `)})`);
  });
  // Only possible when every key is a nullable one at NULL: nothing sorts after it.
  if (branches.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
}
