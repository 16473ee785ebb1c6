import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';

export function quotaRoutes(_env: BlockStorageEnv): RouteSpec[] {
  return [];
}
