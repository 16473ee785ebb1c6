import type { ApiCall } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

/**
 * Wraps a loader so that a route's policy target and its handler share one load of the
 * entities a request names, instead of reading them twice.
 */
export function memoPerRequest<T>(
  load: (env: IdentityEnv, call: ApiCall) => Promise<T>,
): (env: IdentityEnv, call: ApiCall) => Promise<T> {
  const cache = new WeakMap<object, Promise<T>>();
  return (env, call) => {
    let hit = cache.get(call.request);
    if (!hit) {
      hit = load(env, call);
      cache.set(call.request, hit);
    }
    return hit;
  };
}
