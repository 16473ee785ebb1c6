import type { RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { versionRoutes } from './version-routes.ts';
import { flavorRoutes } from './flavor-routes.ts';
import { keypairRoutes } from './keypair-routes.ts';
import { availabilityZoneRoutes } from './availability-zone-routes.ts';
import { limitRoutes } from './limit-routes.ts';
import { quotaRoutes } from './quota-routes.ts';
import { serverGroupRoutes } from './server-group-routes.ts';

/** Every route of the compute API built so far, one module per resource family. */
export function computeRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...versionRoutes(),
    ...[
      flavorRoutes,
      keypairRoutes,
      availabilityZoneRoutes,
      limitRoutes,
      quotaRoutes,
      serverGroupRoutes,
    ].flatMap((routes) => routes(env)),
  ];
}
