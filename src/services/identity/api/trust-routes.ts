import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

export function trustRoutes(_env: IdentityEnv): RouteSpec[] {
  return [];
}
