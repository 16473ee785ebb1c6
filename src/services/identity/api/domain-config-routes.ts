import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

export function domainConfigRoutes(_env: IdentityEnv): RouteSpec[] {
  return [];
}
