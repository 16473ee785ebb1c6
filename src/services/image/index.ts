import os from 'node:os';
import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import type { IdentityClient } from '../identity/client.ts';
import { imageConfig } from './config.ts';
import type { ImageDrivers, ImageStore } from './drivers.ts';
import type { ImageEnv } from './env.ts';
import { glanceFault } from './errors.ts';
import { createImportRunner } from './import/import-runner.ts';
import { Operations } from './operations.ts';
import { imagePolicies } from './policies.ts';
import { ImageQuotas } from './quotas.ts';
import { recoverAbandonedStreams, recoverImageData } from './recovery.ts';
import { imageMigrations } from './store/migrations/index.ts';
import type { ImageDb } from './store/tables.ts';
import { imageServiceRoutes } from './api/index.ts';
import { PATCH_CONTENT_TYPES } from './image-patch.ts';

export { imageConfig } from './config.ts';
export type { ImageDrivers, ImageStore } from './drivers.ts';
export type { ImageEnv } from './env.ts';

export interface ImageInstance extends ServiceInstance {
  readonly env: ImageEnv;
}

/** Builds what the image service's routes and workers share from the entry point's deps. */
export function createImageEnv(deps: ServiceDeps): ImageEnv {
  const settings = deps.config.section(imageConfig);
  const drivers = deps.drivers as ImageDrivers | undefined;
  if (!drivers || drivers.stores.length === 0) throw new Error('image: no image store configured (image.enabled_backends)');
  const stores = new Map<string, ImageStore>(drivers.stores.map((s) => [s.id, s]));
  const db = deps.db.kysely as unknown as ImageDb;
  const logger = deps.logger;
  const operations = new Operations(db, settings.worker_id || os.hostname(), settings.operation_heartbeat_seconds * 1000, logger);
  const quotas = new ImageQuotas(db, () => deps.peer('identity').local as IdentityClient | undefined, {
    enabled: settings.use_keystone_limits,
    logger,
  });
  const base: Omit<ImageEnv, 'importer'> = {
    db,
    settings,
    stores,
    defaultStore: drivers.stores[0]!,
    staging: drivers.staging,
    quotas,
    operations,
    logger,
    now: () => new Date(),
  };
  return { ...base, importer: createImportRunner(base) };
}

export const imageService: ServiceDefinition = {
  type: 'image',
  project: 'glance',
  config: imageConfig,
  migrations: imageMigrations,
  policies: imagePolicies,
  // Glance's endpoint is the service root: clients find /v2 through the version document.
  catalog: [{ type: 'image', name: 'glance', path: '' }],
  async create(deps: ServiceDeps): Promise<ImageInstance> {
    const env = createImageEnv(deps);
    let recoveryTimer: NodeJS.Timeout | undefined;
    return {
      env,
      routes: imageServiceRoutes(env),
      faults: glanceFault,
      bodyParsers: [
        ...Object.keys(PATCH_CONTENT_TYPES).map((contentType) => ({ contentType, parseAs: 'json' as const })),
        { contentType: 'application/octet-stream', parseAs: 'stream' },
      ],
      async start() {
        for (const store of [...env.stores.values(), env.staging]) await store.start();
        await recoverImageData(env);
        env.operations.start();
        // Uploads of other workers that stopped heartbeating are recovered while this one runs.
        recoveryTimer = setInterval(() => {
          recoverAbandonedStreams(env).catch((err: unknown) => env.logger.warn({ err }, 'image upload recovery failed'));
        }, env.operations.staleAfterMs);
        recoveryTimer.unref();
        env.importer.start();
      },
      async stop() {
        clearInterval(recoveryTimer);
        env.operations.stop();
        await env.importer.stop();
      },
    };
  },
};
