import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

export function credentialRoutes(_env: IdentityEnv): RouteSpec[] {
  return [];
}
