/**
 * Neutron's list conventions: any attribute as an equality filter (repeat it for "any of"),
 * `fields=` to pick attributes, `sort_key`/`sort_dir` in pairs, and `limit`/`marker`/
 * `page_reverse` pagination with `<collection>_links` next and previous links. Unknown
 * filters and sort keys are 400s, as with Neutron's filter validation on.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import { applyPage, type SortKey as DbSortKey } from '../../../core/db/index.ts';
import { badRequest } from '../../../core/errors/index.ts';
import { parseBoolParam, parsePageQuery, parseSort, type ApiCall } from '../../../core/http/index.ts';
import { convert } from './attributes.ts';

export interface ListColumn {
  readonly column: string;
  readonly kind: 'string' | 'bool' | 'int';
  /** Sorting is offered (every plain column); filters alone for derived ones. */
  readonly sortable?: boolean;
}

export interface ListSpec {
  readonly collection: string;
  /** API attribute -> column of the resource's table (qualified when the query joins). */
  readonly columns: Readonly<Record<string, ListColumn>>;
  /** Filters the caller applies itself (fixed_ips on ports ...). */
  readonly customFilters?: readonly string[];
}

export interface TagFilters {
  readonly all: string[];
  readonly any: string[];
  readonly notAll: string[];
  readonly notAny: string[];
}

export interface ListQuery {
  readonly fields: readonly string[] | undefined;
  readonly sort: readonly DbSortKey[];
  readonly limit: number | undefined;
  readonly marker: string | undefined;
  readonly pageReverse: boolean;
  readonly filters: ReadonlyArray<{ readonly column: string; readonly values: readonly unknown[] }>;
  readonly custom: Readonly<Record<string, readonly string[]>>;
  readonly tags: TagFilters;
}

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));
const tagList = (v: unknown): string[] => list(v).flatMap((s) => s.split(',')).filter((s) => s !== '');

export function parseListQuery(call: ApiCall, spec: ListSpec, maxLimit: number): ListQuery {
  const query = call.query as Record<string, unknown>;
  const filters: Array<{ column: string; values: unknown[] }> = [];
  const custom: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (CONTROL.has(name)) continue;
    if (spec.customFilters?.includes(name)) {
      custom[name] = list(raw);
      continue;
    }
    const col = spec.columns[name];
    if (!col) throw badRequest(`['${name}'] is invalid attribute for filtering`);
    const values = list(raw).map((v) => {
      if (col.kind === 'bool') return convert.bool(v, name) ? 1 : 0;
      if (col.kind === 'int') return convert.int(-(2 ** 31), 2 ** 31 - 1)(v, name);
      return v;
    });
    filters.push({ column: col.column, values });
  }
  const sortKeys = list(query.sort_key);
  const sortDirs = list(query.sort_dir);
  if (sortKeys.length !== sortDirs.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  const sortable = Object.entries(spec.columns).filter(([, c]) => c.sortable !== false).map(([k]) => k);
  const keys = parseSort(query, { allowed: sortable, defaultKeys: [] });
  const sort: DbSortKey[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const c = spec.columns[k.key]!;
    if (seen.has(c.column)) continue;
    seen.add(c.column);
    sort.push({ column: c.column, dir: k.dir });
  }
  const idColumn = spec.columns.id!.column;
  if (!seen.has(idColumn)) sort.push({ column: idColumn, dir: sort[0]?.dir ?? 'asc' });
  let page;
  try {
    page = parsePageQuery(query, { defaultLimit: 0, maxLimit: maxLimit < 0 ? Number.MAX_SAFE_INTEGER : maxLimit });
  } catch {
    throw badRequest(`Bad limit request: Limit must be an integer 0 or greater and not '${String(query.limit)}'.`);
  }
  const capped = page.limit === 0 ? (maxLimit > 0 ? maxLimit : undefined) : page.limit;
  const fields = list(query.fields).flatMap((f) => f.split(',')).filter((f) => f !== '');
  return {
    fields: fields.length ? fields : undefined,
    sort,
    limit: capped,
    marker: page.marker,
    pageReverse: parseBoolParam('page_reverse', query.page_reverse) ?? false,
    filters,
    custom,
    tags: { all: tagList(query.tags), any: tagList(query['tags-any']), notAll: tagList(query['not-tags']), notAny: tagList(query['not-tags-any']) },
  };
}

/** Adds the equality and tag filters to a select over a resource table whose id column is `idColumn`. */
export function applyFilters<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  q: ListQuery,
  resourceType: string,
  idColumn: string,
): SelectQueryBuilder<DB, TB, O> {
  let out = qb;
  for (const f of q.filters) {
    out = out.where(sql<boolean>`${sql.ref(f.column)} in (${sql.join(f.values)})`);
  }
  const id = sql.ref(idColumn);
  const hasTag = (tag: string) =>
    sql<boolean>`exists (select 1 from network_tag t where t.resource_type = ${resourceType} and t.resource_id = ${id} and t.tag = ${tag})`;
  if (q.tags.all.length) for (const t of q.tags.all) out = out.where(hasTag(t));
  if (q.tags.any.length) out = out.where(sql<boolean>`(${sql.join(q.tags.any.map(hasTag), sql` or `)})`);
  if (q.tags.notAll.length) out = out.where(sql<boolean>`not (${sql.join(q.tags.notAll.map(hasTag), sql` and `)})`);
  if (q.tags.notAny.length) out = out.where(sql<boolean>`not (${sql.join(q.tags.notAny.map(hasTag), sql` or `)})`);
  return out;
}

/** Orders and pages the query; with page_reverse the page before the marker, still in order. */
export async function fetchPage<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  q: ListQuery,
  marker: object | undefined,
): Promise<O[]> {
  const sort = q.pageReverse ? q.sort.map((k) => ({ ...k, dir: k.dir === 'asc' ? ('desc' as const) : ('asc' as const) })) : q.sort;
  const rows = await applyPage(qb, { sort, marker, limit: q.limit }).execute();
  return q.pageReverse ? rows.reverse() : rows;
}

function linkFor(call: ApiCall, marker: string, limit: number, reverse: boolean): string {
  const url = new URL(call.baseUrl);
  const raw = call.request.url;
  const qi = raw.indexOf('?');
  url.pathname = qi < 0 ? raw : raw.slice(0, qi);
  url.search = qi < 0 ? '' : raw.slice(qi);
  url.searchParams.set('limit', String(limit));
  url.searchParams.set('marker', marker);
  url.searchParams.delete('page_reverse');
  if (reverse) url.searchParams.set('page_reverse', 'True');
  return url.toString();
}

/**
 * The list body, `{collection: [...], collection_links: [...]}`: a next link while the page
 * came back full (or, paging backwards, while there was a marker), a previous link when
 * there is something before this page.
 */
export function listBody(call: ApiCall, spec: ListSpec, q: ListQuery, items: Array<Record<string, unknown>>, ids: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { [spec.collection]: items };
  if (q.limit === undefined || ids.length === 0) return body;
  const full = ids.length >= q.limit;
  const links: Array<{ rel: string; href: string }> = [];
  if (q.pageReverse ? q.marker !== undefined : full) links.push({ rel: 'next', href: linkFor(call, ids.at(-1)!, q.limit, false) });
  if (q.pageReverse ? full : q.marker !== undefined) links.push({ rel: 'previous', href: linkFor(call, ids[0]!, q.limit, true) });
  if (links.length) body[`${spec.collection}_links`] = links;
  return body;
}

/** Keeps only the requested attributes of a view (all when no `fields=`). */
export function selectFields(view: Record<string, unknown>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (!fields) return view;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (Object.hasOwn(view, f)) out[f] = view[f];
  return out;
}

/** `fields=` on a single GET. */
export function fieldsParam(call: ApiCall): readonly string[] | undefined {
  const f = list((call.query as Record<string, unknown>).fields).flatMap((x) => x.split(',')).filter((x) => x !== '');
  return f.length ? f : undefined;
}
