import type { OptionValues } from '../../core/config/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { networkConfig } from './config.ts';
import type { NetworkDriver } from './drivers.ts';
import type { NetworkDb } from './store/db.ts';

export type NetworkSettings = OptionValues<(typeof networkConfig)['options']>;

/** What the network service's routes and domain modules share, built once in index.ts. */
export interface NetworkEnv {
  readonly db: NetworkDb;
  readonly settings: NetworkSettings;
  readonly driver: NetworkDriver;
  readonly logger: Logger;
  now(): Date;
}
