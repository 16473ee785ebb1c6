import type { OptionValues } from '../../core/config/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { imageConfig } from './config.ts';
import type { ImageStore } from './drivers.ts';
import type { ImageQuotas } from './quotas.ts';
import type { ImageDb } from './store/tables.ts';
import type { Operations } from './operations.ts';
import type { ImportRunner } from './import/import-runner.ts';

export type ImageSettings = OptionValues<(typeof imageConfig)['options']>;

/**
 * What the image service's route modules and workers share, built once in index.ts and
 * passed to each `*Routes(env)` function.
 */
export interface ImageEnv {
  readonly db: ImageDb;
  readonly settings: ImageSettings;
  /** Stores by id, in enabled_backends order; the first is the default. */
  readonly stores: ReadonlyMap<string, ImageStore>;
  readonly defaultStore: ImageStore;
  readonly staging: ImageStore;
  readonly quotas: ImageQuotas;
  /** In-flight uploads and stages of this worker, with their heartbeats. */
  readonly operations: Operations;
  readonly importer: ImportRunner;
  readonly logger: Logger;
  now(): Date;
}
