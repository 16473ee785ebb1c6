import { badRequest } from '../../../core/errors/index.ts';
import { inRange, type Microversion } from '../../../core/http/index.ts';
import { toDbTime, type SortKey } from '../../../core/db/index.ts';
import type { TimeComparison, VolumeFilterColumn, VolumeListFilter } from '../store/volumes.ts';
import { parsePythonLiteral, type PyValue } from './python-literal.ts';

/**
 * GET /volumes and /volumes/detail query handling as Cinder does it: limit, marker and
 * offset; `sort` or `sort_key`/`sort_dir`; filters whose values are Python literals;
 * which filters a non-admin may use (silently dropped before 3.33, a 400 from 3.33); the
 * filters that exist only from some microversion; `name~` substring filters (3.34) and
 * time comparisons (3.60).
 */

/** Filters a non-admin may use (Cinder's resource_filters.json for volumes). */
export const USER_VOLUME_FILTERS = [
  'name',
  'status',
  'metadata',
  'bootable',
  'migration_status',
  'availability_zone',
  'group_id',
  'size',
  'created_at',
  'updated_at',
  'consumes_quota',
] as const;

const NOT_FILTERS = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count', 'all_tenants']);

/** Filters that only exist from some microversion (Cinder drops them below it). */
const FILTER_SINCE: Record<string, string> = {
  glance_metadata: '3.4',
  group_id: '3.10',
  created_at: '3.60',
  updated_at: '3.60',
  consumes_quota: '3.65',
  use_quota: '3.65',
};

/** Cinder attribute names a filter may use, mapped to our columns. */
const COLUMNS: Record<string, VolumeFilterColumn> = {
  id: 'id',
  name: 'name',
  display_name: 'name',
  description: 'description',
  display_description: 'description',
  status: 'status',
  attach_status: 'attach_status',
  availability_zone: 'availability_zone',
  bootable: 'bootable',
  multiattach: 'multiattach',
  migration_status: 'migration_status',
  group_id: 'group_id',
  size: 'size',
  user_id: 'user_id',
  project_id: 'project_id',
  host: 'host',
  volume_type_id: 'volume_type_id',
  snapshot_id: 'snapshot_id',
  source_volid: 'source_volid',
  image_id: 'image_id',
};

const BOOLEAN_COLUMNS = new Set(['bootable', 'multiattach']);

/** Sort keys accepted, mapped to columns; nullable ones sort NULL last ascending. */
const SORT_COLUMNS: Record<string, { column: string; nullable?: boolean }> = {
  id: { column: 'id' },
  name: { column: 'name', nullable: true },
  display_name: { column: 'name', nullable: true },
  description: { column: 'description', nullable: true },
  size: { column: 'size' },
  status: { column: 'status' },
  attach_status: { column: 'attach_status' },
  availability_zone: { column: 'availability_zone' },
  bootable: { column: 'bootable' },
  created_at: { column: 'created_at' },
  updated_at: { column: 'updated_at', nullable: true },
  user_id: { column: 'user_id' },
  project_id: { column: 'project_id' },
  volume_type_id: { column: 'volume_type_id' },
  host: { column: 'host', nullable: true },
  migration_status: { column: 'migration_status', nullable: true },
};

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

export interface VolumeListQuery {
  readonly filter: VolumeListFilter;
  /** The filter cannot match anything (unknown attribute, malformed metadata), as Cinder answers. */
  readonly matchesNothing: boolean;
  readonly sort: SortKey[];
  readonly limit: number;
  /** Whether the client asked for a limit (the next link then follows it). */
  readonly marker: string | undefined;
  readonly offset: number;
  readonly withCount: boolean;
}

const first = (v: unknown): string | undefined => (Array.isArray(v) ? (v.length ? String(v[v.length - 1]) : undefined) : v === undefined ? undefined : String(v));
const since = (mv: Microversion | undefined, min: string) => mv !== undefined && inRange(mv, min);

function boolParam(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw badRequest(`Invalid value '${value}' for ${name}: Unrecognized value '${value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
}

function intParam(name: string, value: string | undefined, fallback: number, message: { notInt: string; negative: string }): number {
  if (value === undefined) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw badRequest(message.notInt);
  const n = Number(value);
  if (n < 0) throw badRequest(message.negative);
  void name;
  return n;
}

function parseSortKeys(query: Record<string, unknown>): SortKey[] {
  const sort = first(query.sort);
  const sortKey = first(query.sort_key);
  const sortDir = first(query.sort_dir);
  if (sort !== undefined && (sortKey !== undefined || sortDir !== undefined)) {
    throw badRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
  }
  const pairs: Array<[string, string]> = [];
  if (sort !== undefined) {
    for (const item of sort.trim().split(',')) {
      const [key = '', dir = 'desc'] = item.split(':');
      pairs.push([key.trim(), (dir || 'desc').trim()]);
    }
  } else {
    pairs.push([(sortKey ?? 'created_at').trim(), (sortDir ?? 'desc').trim()]);
  }
  const keys: SortKey[] = [];
  for (const [key, dir] of pairs) {
    const d = dir.toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw badRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
    const col = SORT_COLUMNS[key];
    if (!col) throw badRequest(`Invalid input received: Invalid sort key ${key}`);
    if (!keys.some((k) => k.column === col.column)) keys.push({ column: col.column, dir: d, nullable: col.nullable });
  }
  // Cinder appends created_at and id, in the first key's direction, to make the order total.
  const dir = keys[0]!.dir;
  for (const column of ['created_at', 'id']) if (!keys.some((k) => k.column === column)) keys.push({ column, dir });
  return keys;
}

function timeComparisons(name: string, value: string): TimeComparison[] {
  const out: TimeComparison[] = [];
  for (const unit of value.split(',')) {
    const idx = unit.indexOf(':');
    if (idx < 0) throw badRequest(`Invalid ${name} value`);
    const op = unit.slice(0, idx);
    const time = unit.slice(idx + 1);
    if (!['gt', 'gte', 'eq', 'neq', 'lt', 'lte'].includes(op)) throw badRequest(`Invalid ${op} operator`);
    const t = /[zZ]|[+-]\d\d:?\d\d$/.test(time) ? new Date(time) : new Date(`${time}Z`);
    if (Number.isNaN(t.getTime())) throw badRequest(`Invalid ${time} value`);
    out.push({ op: op as TimeComparison['op'], value: toDbTime(t) });
  }
  return out;
}

function asStringMap(v: PyValue): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

function columnValue(column: VolumeFilterColumn, v: PyValue, strictBool: boolean, key: string, raw: string): string | number | Array<string | number> {
  if (BOOLEAN_COLUMNS.has(column)) {
    const text = typeof v === 'boolean' ? String(v) : raw;
    const lower = text.trim().toLowerCase();
    if (strictBool) {
      if (TRUE.includes(lower)) return 1;
      if (FALSE.includes(lower)) return 0;
      throw badRequest(`Invalid input received: '${key} = ${raw}'`);
    }
    // Before 3.2 only the spellings of false counted as false.
    return ['false'].includes(lower) ? 0 : 1;
  }
  if (Array.isArray(v)) return v.map((x) => (column === 'size' ? Number(x) : String(x)));
  if (column === 'size') return typeof v === 'number' ? v : Number(raw);
  return typeof v === 'string' ? v : raw;
}

export function parseVolumeListQuery(
  query: Record<string, unknown>,
  opts: { microversion: Microversion | undefined; isAdmin: boolean; projectId: string; maxLimit: number },
): VolumeListQuery {
  const mv = opts.microversion;
  const limit = Math.min(
    intParam('limit', first(query.limit), opts.maxLimit, { notInt: 'limit param must be an integer', negative: 'limit param must be positive' }),
    opts.maxLimit,
  );
  const offset = intParam('offset', first(query.offset), 0, {
    notInt: "Invalid input received: offset must be an integer",
    negative: 'Invalid input received: offset must be >= 0',
  });
  const marker = first(query.marker);
  const sort = parseSortKeys(query);
  const withCount = since(mv, '3.45') && query.with_count !== undefined ? boolParam('with_count', first(query.with_count)) : false;
  const allTenants = query.all_tenants !== undefined && boolParam('all_tenants', first(query.all_tenants));

  let filters = Object.keys(query).filter((k) => !NOT_FILTERS.has(k));
  filters = filters.filter((k) => {
    const min = FILTER_SINCE[k.replace(/~$/, '')];
    return min === undefined || since(mv, min);
  });
  if (!opts.isAdmin) {
    const allowed = (k: string) => (USER_VOLUME_FILTERS as readonly string[]).includes(k);
    const invalid = filters.filter((k) => !allowed(k));
    if (since(mv, '3.33')) {
      if (invalid.length) throw badRequest(`Invalid filters ${invalid.join(',')} are found in query options.`);
    } else {
      filters = filters.filter(allowed);
    }
  }

  const exact: Record<string, string | number | null | Array<string | number>> = {};
  const like: Record<string, string> = {};
  let metadata: Record<string, string> | undefined;
  let imageMetadata: Record<string, string> | undefined;
  let createdAt: TimeComparison[] | undefined;
  let updatedAt: TimeComparison[] | undefined;
  let matchesNothing = false;
  const strictBool = since(mv, '3.2');
  for (const key of filters) {
    const raw = first(query[key]) ?? '';
    if (key.endsWith('~') && since(mv, '3.34')) {
      const col = COLUMNS[key.slice(0, -1)];
      if (col === 'name' || col === 'description' || col === 'status') like[col] = raw;
      else matchesNothing = true;
      continue;
    }
    if (key === 'created_at' || key === 'updated_at') {
      const list = timeComparisons(key, raw);
      if (key === 'created_at') createdAt = list;
      else updatedAt = list;
      continue;
    }
    if (key === 'metadata' || key === 'glance_metadata') {
      const map = asStringMap(parsePythonLiteral(raw));
      if (!map) matchesNothing = true;
      else if (key === 'metadata') metadata = map;
      else imageMetadata = map;
      continue;
    }
    if (key === 'consumes_quota' || key === 'use_quota') {
      // Every volume strata keeps counts against quota.
      if (!boolParam(key, raw)) matchesNothing = true;
      continue;
    }
    const column = COLUMNS[key];
    if (!column) {
      matchesNothing = true;
      continue;
    }
    // The name is compared as given; other values are read as Python literals.
    const value = column === 'name' ? raw : parsePythonLiteral(raw);
    exact[column] = column === 'name' ? raw : columnValue(column, value, strictBool, key, raw);
  }
  return {
    filter: {
      projectId: opts.isAdmin && allTenants ? undefined : opts.projectId,
      exact,
      like,
      metadata,
      imageMetadata,
      createdAt,
      updatedAt,
      noMigrationTargets: !opts.isAdmin,
    },
    matchesNothing,
    sort,
    limit,
    marker,
    offset,
    withCount,
  };
}
