import type { OptionValues } from '../../core/config/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { computeConfig } from './config.ts';
import type { ComputeDb } from './store/db.ts';

export type ComputeSettings = OptionValues<(typeof computeConfig)['options']>;

/** What servers a project (or one user in it) holds, for quota usage and limits. */
export interface InstanceUsage {
  readonly instances: number;
  readonly cores: number;
  readonly ram: number;
}

/** A compute service host as the availability-zone API lists it. */
export interface ZoneHost {
  readonly host: string;
  readonly binary: string;
  readonly zone: string;
  readonly enabled: boolean;
  readonly up: boolean;
  readonly updatedAt: string | null;
}

/**
 * What the compute route modules share, built once in index.ts. `instanceUsage` and
 * `hosts` are the seams to the parts of compute not built yet (servers, compute
 * services): until then there are no servers and no hosts to count or list.
 */
export interface ComputeEnv {
  readonly db: ComputeDb;
  readonly settings: ComputeSettings;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly instanceUsage: (projectId: string, userId?: string) => Promise<InstanceUsage>;
  readonly hosts: () => Promise<readonly ZoneHost[]>;
}
