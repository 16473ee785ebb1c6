import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import { networkConfig } from './config.ts';
import type { NetworkDriver } from './drivers.ts';
import type { NetworkEnv } from './env.ts';
import { neutronFault } from './errors.ts';
import { networkPolicies } from './policies.ts';
import { networkApiRoutes } from './api/index.ts';
import { watchPortStatus } from './api/port-routes.ts';
import type { NetworkDb } from './store/db.ts';
import { networkMigrations } from './store/migrations/index.ts';

export { networkConfig } from './config.ts';
export type { NetworkEnv } from './env.ts';

/** What the entry point hands the network service in deps.drivers (picked in cli/drivers.ts). */
export interface NetworkDrivers {
  readonly driver: NetworkDriver;
}

export interface NetworkInstance extends ServiceInstance {
  readonly env: NetworkEnv;
}

export function createNetworkEnv(deps: ServiceDeps): NetworkEnv {
  const drivers = deps.drivers as NetworkDrivers | undefined;
  if (!drivers?.driver) {
    throw new Error('network: no data-plane driver was given; cli/drivers.ts driversFor() must return { driver } for "network"');
  }
  return {
    db: deps.db.kysely as unknown as NetworkDb,
    settings: deps.config.section(networkConfig),
    driver: drivers.driver,
    logger: deps.logger,
    now: () => new Date(),
  };
}

export const networkService: ServiceDefinition = {
  type: 'network',
  project: 'neutron',
  config: networkConfig,
  migrations: networkMigrations,
  policies: networkPolicies,
  catalog: [{ type: 'network', name: 'neutron', path: '' }],
  async create(deps: ServiceDeps): Promise<NetworkInstance> {
    const env = createNetworkEnv(deps);
    let unwatch: (() => void) | undefined;
    return {
      env,
      routes: networkApiRoutes(env),
      faults: neutronFault,
      async start() {
        await env.driver.start();
        unwatch = watchPortStatus(env);
      },
      async stop() {
        unwatch?.();
        await env.driver.stop();
      },
    };
  },
};
