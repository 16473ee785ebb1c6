import { badRequest } from '../../../core/errors/index.ts';
import { parseBoolParam } from '../../../core/http/index.ts';

/**
 * List filters shared by the user and group lists, with Keystone's query syntax:
 * `password_expires_at={op}:{timestamp}`, `name__icontains=x` style comparators, and
 * the list_limit cut.
 */

/** A query parameter's value; a repeated parameter counts by its first value. */
export function queryValue(
  query: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  return String(Array.isArray(v) ? v[0] : v);
}

export function queryBool(
  query: Readonly<Record<string, unknown>>,
  name: string,
): boolean | undefined {
  return parseBoolParam(name, queryValue(query, name));
}

const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses `lt:2016-12-08T22:02:00Z` (no operator means eq). A user without an expiring
 * password never matches, whatever the operator, as in Keystone's SQL.
 */
export function parseExpiryFilter(value: string): (expiresAt: Date | null) => boolean {
  let op = 'eq';
  let stamp = value;
  // Keystone's rule: an operator is there when a colon sits at index 2 or 3.
  const colon = value.indexOf(':');
  if (colon === 2 || colon === 3) {
    op = value.slice(0, colon);
    stamp = value.slice(colon + 1);
  }
  const compare = OPERATORS[op];
  if (!compare) {
    throw badRequest(
      `The given operator ${op} is not valid. It must be one of the following: 'eq', 'neq', 'lt', 'lte', 'gt', or 'gte'.`,
      'identity.invalid_operator',
    );
  }
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(stamp) ? stamp : `${stamp}Z`;
  const at = ISO_TIME.test(stamp) ? Date.parse(zoned) : Number.NaN;
  if (Number.isNaN(at)) {
    throw badRequest(
      'Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
      'identity.invalid_timestamp',
    );
  }
  return (expiresAt) => expiresAt !== null && compare(expiresAt.getTime(), at);
}

const COMPARATORS: Record<string, (value: string, wanted: string) => boolean> = {
  contains: (v, w) => v.includes(w),
  icontains: (v, w) => v.toLowerCase().includes(w.toLowerCase()),
  startswith: (v, w) => v.startsWith(w),
  istartswith: (v, w) => v.toLowerCase().startsWith(w.toLowerCase()),
  endswith: (v, w) => v.endsWith(w),
  iendswith: (v, w) => v.toLowerCase().endsWith(w.toLowerCase()),
};

/** The `name__contains=x` style filters present in the query, as predicates on the name. */
export function nameComparators(
  query: Readonly<Record<string, unknown>>,
  field = 'name',
): Array<(value: string) => boolean> {
  const out: Array<(value: string) => boolean> = [];
  for (const [suffix, compare] of Object.entries(COMPARATORS)) {
    const wanted = queryValue(query, `${field}__${suffix}`);
    if (wanted !== undefined) out.push((v) => compare(v, wanted));
  }
  return out;
}

/** Cuts a list at list_limit (0 = no limit) and says whether it did. */
export function applyListLimit<T>(
  items: readonly T[],
  limit: number,
): { items: T[]; truncated: boolean } {
  if (limit > 0 && items.length > limit) return { items: items.slice(0, limit), truncated: true };
  return { items: [...items], truncated: false };
}
