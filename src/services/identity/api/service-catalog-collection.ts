import type { ApiCall } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { linkBase } from './base-url.ts';
import { collection, queryOf } from './views.ts';

/**
 * The collection envelope for the catalog, policy and limit lists: Keystone's `list_limit`
 * cuts a long list short and flags it `truncated`.
 */
export function listCollection<T>(
  env: IdentityEnv,
  call: Pick<ApiCall, 'baseUrl' | 'request'>,
  name: string,
  path: string,
  items: readonly T[],
  view: (item: T, baseUrl: string) => unknown,
): Record<string, unknown> {
  const base = linkBase(env, call);
  const max = env.settings.list_limit;
  const truncated = max > 0 && items.length > max;
  const shown = truncated ? items.slice(0, max) : items;
  return collection(
    name,
    shown.map((i) => view(i, base)),
    { baseUrl: base, path, query: queryOf(call.request.url), truncated },
  );
}
