import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';

export function ec2Routes(_env: IdentityEnv): RouteSpec[] {
  return [];
}
