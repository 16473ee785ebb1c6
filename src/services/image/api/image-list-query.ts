import { parseSort, type ApiCall } from '../../../core/http/index.ts';
import { toDbTime } from '../../../core/db/index.ts';
import { imageErrors } from '../errors.ts';
import { MEMBER_STATUSES, VISIBILITIES, type MemberStatus, type Visibility } from '../image-model.ts';
import type { EqualColumn, FilterColumn, ImageListQuery, NumericColumn, SortColumn, TimeOp } from '../store/image-list.ts';

const SORT_KEYS: readonly SortColumn[] = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
const FILTER_COLUMNS: readonly FilterColumn[] = ['name', 'id', 'status', 'container_format', 'disk_format'];
const NUMERIC: readonly NumericColumn[] = ['size', 'virtual_size', 'min_disk', 'min_ram'];
const EQUAL: readonly EqualColumn[] = [...NUMERIC, 'owner', 'checksum', 'os_hash_algo', 'os_hash_value'];
const TIME_OPS: readonly TimeOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];
/** Parameters that are not filters. */
const CONTROL = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'tag', 'visibility', 'os_hidden', 'protected', 'changes-since']);

/** Glance's split_filter_op: `in:a,b` or `eq:a`; a bare value (or an ISO time) is `eq`. */
function splitOp(expression: string): { op: string; value: string } {
  const i = expression.indexOf(':');
  if (i < 0 || !Number.isNaN(Date.parse(expression))) return { op: 'eq', value: expression };
  return { op: expression.slice(0, i), value: expression.slice(i + 1) };
}

/** Glance's split_filter_value_for_quotes: comma-separated values, double quotes protect commas. */
export function splitQuoted(value: string): string[] {
  let open = false;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '"' || (i > 0 && value[i - 1] === '\\')) continue;
    if (!open && i > 0 && value[i - 1] !== ',') {
      throw imageErrors.badRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`);
    }
    if (open && i + 1 !== value.length && value[i + 1] !== ',') {
      throw imageErrors.badRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    }
    open = !open;
  }
  if (open) throw imageErrors.badRequest(`Invalid filter value ${value}. The quote is not closed.`);
  const out: string[] = [];
  const re = /"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,/g;
  for (const m of value.matchAll(re)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

const single = (v: unknown): string | undefined => (Array.isArray(v) ? (v.length ? String(v[v.length - 1]) : undefined) : v === undefined ? undefined : String(v));
const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

function boolFilter(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw imageErrors.badRequest(`Invalid value '${raw}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return v === 'true';
}

function integer(raw: string, message: string): number {
  if (!/^[-+]?\d+$/.test(raw.trim())) throw imageErrors.badRequest(message);
  return Number(raw);
}

export interface ListParams {
  readonly query: Omit<ImageListQuery, 'marker' | 'limit' | 'caller'>;
  readonly marker: string | undefined;
  readonly limit: number;
}

/** Reads GET /v2/images parameters as Glance's deserializer and db layer read them. */
export function parseImageListQuery(call: ApiCall, settings: { limit_param_default: number; api_limit_max: number }): ListParams {
  const q = call.query as Record<string, unknown>;
  const rawLimit = single(q.limit);
  let limit = settings.limit_param_default;
  if (rawLimit !== undefined) {
    if (!/^[-+]?\d+$/.test(rawLimit.trim())) throw imageErrors.badRequest('limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw imageErrors.badRequest('limit param must be positive');
  }
  limit = Math.min(limit, settings.api_limit_max);

  const memberStatus = single(q.member_status) ?? 'accepted';
  if (memberStatus !== 'all' && !(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) {
    throw imageErrors.badRequest(`Invalid status: ${memberStatus}`);
  }
  const visibility = single(q.visibility);
  if (visibility && visibility !== 'all' && !(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw imageErrors.badRequest(`Invalid visibility value: ${visibility}`);
  }
  if (q['changes-since'] !== undefined) throw imageErrors.badRequest('The "changes-since" filter is no longer available on v2.');
  if (q.sort !== undefined && (q.sort_key !== undefined || q.sort_dir !== undefined)) {
    throw imageErrors.badRequest('Old and new sorting syntax cannot be combined');
  }
  const dirs = list(q.sort_dir);
  if (dirs.length > 1 && dirs.length !== list(q.sort_key).length) throw imageErrors.badRequest('Number of sort dirs does not match the number of sort keys');
  const sort = parseSort(q, { allowed: SORT_KEYS, defaultKeys: [{ key: 'created_at', dir: 'desc' }], defaultDir: 'desc' }).map((k) => ({
    column: k.key as SortColumn,
    dir: k.dir,
  }));
  const tieDir = dirs.length === 1 ? sort[0]!.dir : 'desc';
  for (const column of ['created_at', 'id'] as const) if (!sort.some((s) => s.column === column)) sort.push({ column, dir: tieDir });

  const attributes: Partial<Record<FilterColumn, string[]>> = {};
  const times: Array<{ column: 'created_at' | 'updated_at'; op: TimeOp; value: string }> = [];
  const ranges: Array<{ column: NumericColumn; bound: 'min' | 'max'; value: number }> = [];
  const equals: Partial<Record<EqualColumn, string | number>> = {};
  const properties: Record<string, string> = {};
  for (const [key, raw] of Object.entries(q)) {
    if (CONTROL.has(key)) continue;
    const value = single(raw);
    if (value === undefined) continue;
    const rangeOf = /^(.*)_(min|max)$/.exec(key);
    if (rangeOf && (NUMERIC as readonly string[]).includes(rangeOf[1]!)) {
      ranges.push({ column: rangeOf[1] as NumericColumn, bound: rangeOf[2] as 'min' | 'max', value: integer(value, 'Unable to filter on a range with a non-numeric value.') });
    } else if (key === 'created_at' || key === 'updated_at') {
      const { op, value: at } = splitOp(value);
      const ms = Date.parse(at);
      if (Number.isNaN(ms)) throw imageErrors.badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
      if (!(TIME_OPS as readonly string[]).includes(op)) throw imageErrors.badRequest(`Unable to filter by unknown operator '${op}'.`);
      times.push({ column: key, op: op as TimeOp, value: toDbTime(new Date(ms)) });
    } else if ((FILTER_COLUMNS as readonly string[]).includes(key)) {
      const { op, value: v } = splitOp(value);
      if (op === 'in') attributes[key as FilterColumn] = splitQuoted(v);
      else if (op === 'eq') attributes[key as FilterColumn] = [v];
      else throw imageErrors.badRequest(`Unable to filter by unknown operator '${op}'.`);
    } else if ((EQUAL as readonly string[]).includes(key)) {
      equals[key as EqualColumn] = (NUMERIC as readonly string[]).includes(key) ? integer(value, `Invalid filter value ${value} for ${key}.`) : value;
    } else {
      properties[key] = value;
    }
  }
  const osHidden = boolFilter('os_hidden', single(q.os_hidden)) ?? false;
  return {
    query: {
      visibility: visibility as Visibility | 'all' | undefined,
      memberStatus: memberStatus as MemberStatus | 'all',
      osHidden,
      protected: boolFilter('protected', single(q.protected)),
      attributes,
      times,
      ranges,
      equals,
      tags: list(q.tag).map((t) => t.trim()),
      properties,
      sort,
    },
    marker: single(q.marker),
    limit,
  };
}

