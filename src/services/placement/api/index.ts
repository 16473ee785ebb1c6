import type { RouteSpec } from '../../../core/http/index.ts';
import type { PlacementEnv } from '../env.ts';
import { allocationRoutes } from './allocation-routes.ts';
import { candidateRoutes } from './candidate-routes.ts';
import { classAndTraitRoutes } from './class-and-trait-routes.ts';
import { inventoryRoutes } from './inventory-routes.ts';
import { providerDetailRoutes } from './provider-detail-routes.ts';
import { providerRoutes } from './provider-routes.ts';
import { rootRoutes } from './root-routes.ts';

export function placementRoutes(env: PlacementEnv): RouteSpec[] {
  return [
    ...rootRoutes(),
    ...providerRoutes(env),
    ...inventoryRoutes(env),
    ...providerDetailRoutes(env),
    ...classAndTraitRoutes(env),
    ...allocationRoutes(env),
    ...candidateRoutes(env),
  ];
}
