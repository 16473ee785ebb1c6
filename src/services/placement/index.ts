import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import { placementRoutes } from './api/index.ts';
import { PLACEMENT_MAX } from './api/common.ts';
import { placementConfig } from './config.ts';
import type { PlacementEnv } from './env.ts';
import { placementFault } from './errors.ts';
import { placementPolicies } from './policies.ts';
import { placementMigrations } from './store/migrations/index.ts';
import type { PlacementDb } from './store/tables.ts';

export { placementConfig } from './config.ts';

export const placementService: ServiceDefinition = {
  type: 'placement',
  project: 'placement',
  config: placementConfig,
  migrations: placementMigrations,
  policies: placementPolicies,
  // Placement's endpoint is its root: the version document sits at /.
  catalog: [{ type: 'placement', name: 'placement', path: '' }],
  async create(deps: ServiceDeps): Promise<ServiceInstance> {
    const env: PlacementEnv = {
      db: deps.db.kysely as unknown as PlacementDb,
      settings: deps.config.section(placementConfig),
      logger: deps.logger,
    };
    return {
      routes: placementRoutes(env),
      faults: placementFault,
      microversions: { serviceType: 'placement', min: '1.0', max: PLACEMENT_MAX },
    };
  },
};
