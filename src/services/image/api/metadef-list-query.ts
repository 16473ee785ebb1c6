import { imageErrors } from '../errors.ts';
import type { ImageSettings } from '../env.ts';
import type { MetadefNamespace } from '../store/metadefs.ts';

/** What GET /v2/metadefs/namespaces was asked, read as Glance's request deserializer reads it. */
export interface NamespaceListQuery {
  readonly limit: number;
  readonly marker: string | undefined;
  readonly sortKey: keyof typeof SORT_KEYS;
  readonly sortDir: 'asc' | 'desc';
  readonly visibility: 'public' | 'private' | undefined;
  readonly resourceTypes: readonly string[];
}

/** The namespace columns Glance's paginate_query can sort on. */
const SORT_KEYS = {
  id: (n: MetadefNamespace) => n.id,
  namespace: (n: MetadefNamespace) => n.namespace,
  display_name: (n: MetadefNamespace) => n.displayName,
  description: (n: MetadefNamespace) => n.description,
  visibility: (n: MetadefNamespace) => n.visibility,
  protected: (n: MetadefNamespace) => (n.protected ? 1 : 0),
  owner: (n: MetadefNamespace) => n.owner,
  created_at: (n: MetadefNamespace) => n.createdAt.getTime(),
  updated_at: (n: MetadefNamespace) => n.updatedAt.getTime(),
} as const;

export function parseNamespaceListQuery(
  q: Readonly<Record<string, string | undefined>>,
  settings: Pick<ImageSettings, 'limit_param_default' | 'api_limit_max'>,
): NamespaceListQuery {
  let limit = settings.limit_param_default;
  if (q.limit !== undefined) {
    if (!/^-?\d+$/.test(q.limit.trim()))
      throw imageErrors.badRequest('limit param must be an integer');
    const n = Number(q.limit);
    if (n < 0) throw imageErrors.badRequest('limit param must be positive');
    limit = n;
  }
  const sortDir = q.sort_dir ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc')
    throw imageErrors.badRequest(`Invalid sort direction: ${sortDir}`);
  // Glance hands an unknown key to the database and answers 500; a 400 says what is wrong
  const sortKey = q.sort_key ?? 'created_at';
  if (!Object.hasOwn(SORT_KEYS, sortKey))
    throw imageErrors.badRequest(`Invalid sort key: ${sortKey}`);
  const visibility = q.visibility || undefined;
  if (visibility !== undefined && visibility !== 'public' && visibility !== 'private') {
    throw imageErrors.badRequest(`Invalid visibility value: ${visibility}`);
  }
  return {
    limit: Math.min(limit, settings.api_limit_max),
    marker: q.marker,
    sortKey: sortKey as keyof typeof SORT_KEYS,
    sortDir,
    visibility,
    resourceTypes: q.resource_types
      ? q.resource_types
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [],
  };
}

type SortValue = string | number | null;

function compareValues(a: SortValue, b: SortValue): number {
  // nulls first in ascending order, as the databases Glance runs on sort them
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * Glance's order: the sort key, then created_at and id, all in the one direction
 * (oslo.db paginate_query with sort_keys [key, created_at, id]).
 */
export function sortNamespaces<T extends { readonly ns: MetadefNamespace }>(
  rows: readonly T[],
  key: NamespaceListQuery['sortKey'],
  dir: 'asc' | 'desc',
): T[] {
  const keys = [SORT_KEYS[key], SORT_KEYS.created_at, SORT_KEYS.id];
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((x, y) => {
    for (const k of keys) {
      const c = compareValues(k(x.ns), k(y.ns));
      if (c !== 0) return sign * c;
    }
    return 0;
  });
}
