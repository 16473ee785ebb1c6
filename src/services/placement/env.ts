import type { Logger } from '../../core/observability/index.ts';
import type { OptionValues } from '../../core/config/index.ts';
import type { placementConfig } from './config.ts';
import type { PlacementDb } from './store/tables.ts';

export type PlacementSettings = OptionValues<(typeof placementConfig)['options']>;

/** What the placement routes share: the store and the settings. */
export interface PlacementEnv {
  readonly db: PlacementDb;
  readonly settings: PlacementSettings;
  readonly logger: Logger;
}
