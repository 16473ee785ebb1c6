import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';

export function attachmentRoutes(_env: BlockStorageEnv): RouteSpec[] {
  return [];
}
