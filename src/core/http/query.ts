import { badRequest } from '../errors/index.ts';

/** One sort key as the store applies it. */
export interface SortKey {
  readonly key: string;
  readonly dir: 'asc' | 'desc';
}

const asList = (v: unknown): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x)).filter((x) => x !== '');

/**
 * Sorting as OpenStack APIs accept it, in both spellings: `sort=name:asc,status` (Glance,
 * Cinder) and repeated `sort_key`/`sort_dir` pairs (Nova, Neutron, Cinder). Unknown keys and
 * directions are 400s naming the value, never silently ignored.
 */
export function parseSort(
  query: Readonly<Record<string, unknown>>,
  opts: { allowed: readonly string[]; defaultKeys: readonly SortKey[]; defaultDir?: 'asc' | 'desc' },
): SortKey[] {
  const defaultDir = opts.defaultDir ?? 'asc';
  const keys: SortKey[] = [];
  const direction = (dir: string): 'asc' | 'desc' => {
    const d = dir.toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw badRequest(`Invalid sort direction: ${dir}.`, 'invalid_sort_dir');
    return d;
  };
  const check = (key: string, dir: string): SortKey => {
    if (!opts.allowed.includes(key)) throw badRequest(`Invalid sort key: ${key}.`, 'invalid_sort_key');
    return { key, dir: direction(dir) };
  };
  for (const item of asList(query.sort).flatMap((s) => s.split(','))) {
    const [key = '', dir = defaultDir] = item.trim().split(':');
    keys.push(check(key, dir));
  }
  const sortKeys = asList(query.sort_key);
  const sortDirs = asList(query.sort_dir);
  if ((sortKeys.length || sortDirs.length) && keys.length) {
    throw badRequest('The sort and sort_key parameters cannot be combined.', 'invalid_sort');
  }
  if (sortDirs.length > Math.max(sortKeys.length, sortKeys.length ? 0 : opts.defaultKeys.length)) {
    throw badRequest('There are more sort_dir values than sort_key values.', 'invalid_sort');
  }
  sortKeys.forEach((key, i) => keys.push(check(key, sortDirs[i] ?? sortDirs[0] ?? defaultDir)));
  if (keys.length) return keys;
  // A sort_dir alone applies to the default keys, as Nova reads it; it is never ignored.
  return opts.defaultKeys.map((k, i) => {
    const dir = sortDirs[i] ?? sortDirs[0];
    return dir === undefined ? k : { key: k.key, dir: direction(dir) };
  });
}

/**
 * The equality filters a list call honours: the query parameters named in `allowed`, with
 * repeated parameters kept as lists. Parameters not named pass untouched (pagination,
 * sorting, service-specific ones the route handles itself).
 */
export function pickFilters(
  query: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of allowed) {
    const v = query[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}

/** Parses OpenStack's boolean query values (`true`, `False`, `1`, `yes`). */
export function parseBoolParam(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const v = String(value).trim().toLowerCase();
  if (['1', 'true', 't', 'yes', 'y', 'on'].includes(v)) return true;
  if (['0', 'false', 'f', 'no', 'n', 'off'].includes(v)) return false;
  throw badRequest(`Invalid value for '${name}': expected a boolean, got '${String(value)}'.`, 'invalid_boolean');
}
