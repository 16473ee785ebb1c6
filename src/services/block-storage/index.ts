import os from 'node:os';
import path from 'node:path';
import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import type { Database } from '../../core/db/index.ts';
import { TaskQueue } from '../../core/tasks/index.ts';
import { blockStorageConfig } from './config.ts';
import { cinderFault } from './errors.ts';
import { blockStoragePolicies } from './policies.ts';
import { blockStorageMigrations } from './store/migrations/index.ts';
import type { BlockStorageDb } from './store/db.ts';
import type { BlockStorageTables } from './store/tables.ts';
import type { BackupDriver, VolumeDriver } from './drivers.ts';
import type { Backend, BlockStorageEnv } from './env.ts';
import { blockStorageRoutes } from './api/index.ts';
import { registerVolumeTasks } from './volumes/tasks/index.ts';
import { registerDataOperationTasks } from './data-operation-tasks.ts';
import { recoverInterruptedOperations } from './recovery.ts';
import { startCatalog } from './catalog.ts';
import { parseBackendDelays, withDelays } from './data-plane/delayed-driver.ts';

export { blockStorageConfig } from './config.ts';
export type { BlockStorageEnv } from './env.ts';

/** What the entry point hands block storage in deps.drivers. */
export interface BlockStorageDrivers {
  readonly volumes: readonly VolumeDriver[];
  readonly backup?: BackupDriver | undefined;
}

export interface BlockStorageInstance extends ServiceInstance {
  readonly env: BlockStorageEnv;
}

/** The highest Cinder microversion served (Zed's maximum). */
export const MAX_MICROVERSION = '3.70';

export function createBlockStorageEnv(deps: ServiceDeps): BlockStorageEnv {
  const settings = deps.config.section(blockStorageConfig);
  const drivers = (deps.drivers ?? { volumes: [] }) as BlockStorageDrivers;
  const hostname = os.hostname();
  const delays = parseBackendDelays(settings.backend_delays);
  const backends: Backend[] = drivers.volumes.map((driver) => {
    const host = `${hostname}@${driver.backendName}`;
    return {
      name: driver.backendName,
      host,
      poolHost: `${host}#${driver.backendName}`,
      availabilityZone: settings.default_availability_zone,
      driver: withDelays(driver, delays),
    };
  });
  return {
    db: deps.db.kysely as unknown as BlockStorageDb,
    settings,
    backends,
    backup: drivers.backup,
    logger: deps.logger,
    tasks: new TaskQueue<Record<string, object>, BlockStorageTables>({
      db: deps.db as unknown as Database<BlockStorageTables>,
      service: 'block_storage',
      logger: deps.logger,
      metrics: deps.metrics,
    }),
    image: () => deps.peer('image'),
    identity: () => deps.peer('identity'),
    dataDir: deps.dataDir || path.resolve('data', 'block-storage'),
    now: () => new Date(),
  };
}

export const blockStorageService: ServiceDefinition = {
  type: 'block-storage',
  project: 'cinder',
  config: blockStorageConfig,
  migrations: blockStorageMigrations,
  policies: blockStoragePolicies,
  catalog: [
    { type: 'block-storage', name: 'cinder', path: '/v3/$(project_id)s' },
    { type: 'volumev3', name: 'cinderv3', path: '/v3/$(project_id)s' },
  ],
  async create(deps: ServiceDeps): Promise<BlockStorageInstance> {
    const env = createBlockStorageEnv(deps);
    registerVolumeTasks(env);
    registerDataOperationTasks(env);
    let stopCatalog: (() => Promise<void>) | undefined;
    return {
      env,
      routes: blockStorageRoutes(env),
      faults: cinderFault,
      microversions: { serviceType: 'volume', min: '3.0', max: MAX_MICROVERSION },
      async start() {
        for (const b of env.backends) await b.driver.start();
        await env.backup?.start();
        stopCatalog = await startCatalog(env);
        await recoverInterruptedOperations(env);
        env.tasks.start();
      },
      async stop() {
        await stopCatalog?.();
        await env.tasks.stop();
        for (const b of env.backends) await b.driver.stop();
      },
    };
  },
};
