import type { Migration } from 'kysely';
import type { ConfigSection, Config } from '../config/index.ts';
import type { PolicyDefault, PolicyEnforcer } from '../auth/policy/index.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import type { Database } from '../db/index.ts';
import type { FaultFormatter, MicroversionSpec, RouteSpec } from '../http/index.ts';
import type { HealthRegistry, Logger, ProcessMetrics } from '../observability/index.ts';

/**
 * How a service is composed: what it declares (config, migrations, policies) and how it is
 * built from the dependencies the entry point hands it. The same definition runs inside the
 * all-in-one process and alone in its own pod.
 */
export interface ServiceDefinition {
  /** Official OpenStack service type: identity, compute, network ... */
  readonly type: string;
  /** Upstream project name, for docs and logs (keystone, nova ...). */
  readonly project: string;
  readonly config: ConfigSection;
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly policies: readonly PolicyDefault[];
  /** Path after host:port that the catalog endpoint carries, e.g. `/v3` for identity. */
  readonly endpointPath: string;
  create(deps: ServiceDeps): Promise<ServiceInstance>;
}

export interface ServiceDeps {
  readonly config: Config;
  readonly db: Database;
  readonly logger: Logger;
  readonly metrics: ProcessMetrics;
  readonly health: HealthRegistry;
  readonly policy: PolicyEnforcer;
  /** Validates tokens on behalf of this service (absent for identity, which validates its own). */
  readonly tokens?: TokenValidator | undefined;
  /** Directory for the service's own files (keys, blobs). */
  readonly dataDir: string;
}

export interface ServiceInstance {
  readonly routes: readonly RouteSpec[];
  readonly faults: FaultFormatter;
  readonly microversions?: MicroversionSpec | undefined;
  /** A token validator this service provides to itself and, in process, to the others. */
  readonly tokens?: TokenValidator | undefined;
  /** Nova-style extra request id headers. */
  readonly requestIdHeaders?: readonly string[];
  /** Background work (reconcilers, pollers), stopped on shutdown. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
