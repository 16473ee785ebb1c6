import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

export function accessRuleRoutes(_env: IdentityEnv): RouteSpec[] {
  return [];
}
