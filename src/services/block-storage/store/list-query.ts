import type { SelectQueryBuilder } from 'kysely';
import { applyPage, type SortKey } from '../../../core/db/index.ts';

/**
 * What a Cinder list call asks of a table: sort keys already mapped to columns, the marker
 * row (looked up by the caller, which answers 404 for an unknown marker), limit and offset.
 */
export interface ListWindow {
  readonly sort: readonly SortKey[];
  readonly marker?: object | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** MariaDB has no OFFSET without LIMIT: an offset alone gets this many rows at most. */
const NO_LIMIT = 2 ** 31 - 1;

/** Orders, skips to after the marker, then applies Cinder's offset and limit. */
export function applyWindow<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  window: ListWindow,
): SelectQueryBuilder<DB, TB, O> {
  let q = applyPage(query, { sort: window.sort, marker: window.marker, limit: window.limit });
  if (window.offset) {
    if (window.limit === undefined) q = q.limit(NO_LIMIT);
    q = q.offset(window.offset);
  }
  return q;
}
