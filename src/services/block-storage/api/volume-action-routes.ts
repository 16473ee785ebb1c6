import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';

export function volumeActionRoutes(_env: BlockStorageEnv): RouteSpec[] {
  return [];
}
