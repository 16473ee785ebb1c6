import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import { computeConfig } from './config.ts';
import type { ComputeEnv } from './env.ts';
import { novaFault } from './errors.ts';
import { MAX_MICROVERSION, MIN_MICROVERSION } from './microversions.ts';
import { computePolicies } from './policies.ts';
import { computeRoutes } from './api/index.ts';
import { computeMigrations } from './store/migrations/index.ts';
import type { ComputeDb } from './store/db.ts';

export { computeConfig } from './config.ts';
export type { ComputeEnv } from './env.ts';
export { MAX_MICROVERSION } from './microversions.ts';

export interface ComputeInstance extends ServiceInstance {
  readonly env: ComputeEnv;
}

export function createComputeEnv(deps: ServiceDeps): ComputeEnv {
  return {
    db: deps.db.kysely as unknown as ComputeDb,
    settings: deps.config.section(computeConfig),
    logger: deps.logger,
    now: () => new Date(),
    // No servers and no compute hosts exist yet: nothing is used and no zone has a host.
    instanceUsage: async () => ({ instances: 0, cores: 0, ram: 0 }),
    hosts: async () => [],
  };
}

/** The compute API (Nova v2.1 with microversions up to MAX_MICROVERSION). */
export const computeService: ServiceDefinition = {
  type: 'compute',
  project: 'nova',
  config: computeConfig,
  migrations: computeMigrations,
  policies: computePolicies,
  catalog: [{ type: 'compute', name: 'nova', path: '/v2.1' }],
  async create(deps: ServiceDeps): Promise<ComputeInstance> {
    const env = createComputeEnv(deps);
    return {
      env,
      routes: computeRoutes(env),
      faults: novaFault,
      microversions: {
        serviceType: 'compute',
        min: MIN_MICROVERSION,
        max: MAX_MICROVERSION,
        legacyHeader: 'X-OpenStack-Nova-API-Version',
      },
      requestIdHeaders: ['x-compute-request-id'],
    };
  },
};
