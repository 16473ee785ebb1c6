import { badRequest } from '../../../core/errors/index.ts';
import type { SortKey as DbSortKey } from '../../../core/db/index.ts';
import {
  compareMicroversions,
  nextPageUrl,
  parseBoolParam,
  parseMicroversion,
  parsePageQuery,
  parseSort,
  type ApiCall,
} from '../../../core/http/index.ts';
import type { ListWindow } from '../store/list-query.ts';

/** An API sort key and the column it orders by. */
export interface SortColumn {
  readonly column: string;
  readonly nullable?: boolean;
}

export interface CinderListParams {
  /** Sort keys as the store applies them, ending with created_at and id as Cinder adds them. */
  readonly sort: readonly DbSortKey[];
  readonly markerId: string | undefined;
  readonly limit: number;
  readonly offset: number;
  /** `with_count` (3.45+). */
  readonly withCount: boolean;
  /** `all_tenants` asked for (only admins get it; the caller decides). */
  readonly allTenants: boolean;
}

const MAX_OFFSET = 2 ** 31 - 1;

function parseOffset(raw: unknown): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > MAX_OFFSET) {
    throw badRequest(
      `offset must be an integer between 0 and ${MAX_OFFSET}.`,
      'block_storage.invalid_offset',
    );
  }
  return n;
}

function atLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

/**
 * Cinder's list parameters: limit (default and cap osapi_max_limit, 400 when not a
 * non-negative integer), marker, offset, sort in both spellings (unknown keys 400; default
 * created_at desc; created_at and id appended with the first key's direction, as Cinder's
 * process_sort_params does), with_count from 3.45 and all_tenants.
 */
export function parseCinderList(
  call: ApiCall,
  opts: { sortColumns: Readonly<Record<string, SortColumn>>; maxLimit: number },
): CinderListParams {
  const query = call.query;
  let page;
  try {
    page = parsePageQuery(query, { defaultLimit: opts.maxLimit, maxLimit: opts.maxLimit });
  } catch {
    throw badRequest('limit param must be an integer', 'block_storage.invalid_limit');
  }
  const keys = parseSort(query, {
    allowed: Object.keys(opts.sortColumns),
    defaultKeys: [{ key: 'created_at', dir: 'desc' }],
    defaultDir: 'desc',
  });
  const firstDir = keys[0]?.dir ?? 'desc';
  const sort: DbSortKey[] = [];
  const seen = new Set<string>();
  const add = (apiKey: string, dir: 'asc' | 'desc') => {
    const c = opts.sortColumns[apiKey];
    if (!c || seen.has(c.column)) return;
    seen.add(c.column);
    sort.push({ column: c.column, dir, ...(c.nullable ? { nullable: true } : {}) });
  };
  for (const k of keys) add(k.key, k.dir);
  add('created_at', firstDir);
  add('id', firstDir);
  const withCount =
    atLeast(call, '3.45') && (parseBoolParam('with_count', query.with_count) ?? false);
  const allTenants = parseBoolParam('all_tenants', query.all_tenants) ?? false;
  return {
    sort,
    markerId: page.marker,
    limit: page.limit,
    offset: parseOffset(query.offset),
    withCount,
    allTenants,
  };
}

/** The store's window for these parameters and the marker row the caller found. */
export function listWindow(params: CinderListParams, marker: object | undefined): ListWindow {
  return { sort: params.sort, marker, limit: params.limit, offset: params.offset };
}

/** `<collection>_links` with a next link when the page came back full, as Cinder adds it. */
export function collectionLinks(
  call: ApiCall,
  params: CinderListParams,
  items: ReadonlyArray<{ id: string }>,
): Array<{ rel: string; href: string }> | undefined {
  const href = nextPageUrl(call.request.url, call.baseUrl, {
    limit: params.limit,
    count: items.length,
    lastMarker: items.at(-1)?.id,
  });
  return href === undefined ? undefined : [{ rel: 'next', href }];
}

/** Cinder's list filters are exact matches on single values; a repeated one keeps the last. */
export function singleFilter(
  query: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? String(v.at(-1)) : String(v);
}
