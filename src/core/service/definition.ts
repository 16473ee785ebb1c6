import type { Migration } from 'kysely';
import type { ConfigSection, Config } from '../config/index.ts';
import type { PolicyDefault, PolicyEnforcer } from '../auth/policy/index.ts';
import type { TokenValidator } from '../auth/token-validator.ts';
import type { Database } from '../db/index.ts';
import type { BodyParser, FaultFormatter, MicroversionSpec, RouteSpec } from '../http/index.ts';
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
  /**
   * The catalog entries this service publishes: type, name and the path after host:port
   * (`/v3` for identity; block storage publishes `/v3/$(project_id)s` under both
   * `block-storage` and the legacy `volumev3`). The first entry is the service's own URL.
   */
  readonly catalog: readonly CatalogRegistration[];
  create(deps: ServiceDeps): Promise<ServiceInstance>;
}

export interface CatalogRegistration {
  readonly type: string;
  readonly name: string;
  readonly path: string;
}

/**
 * Another service as this one can reach it: its public URL once it listens, and, when it
 * runs in the same process, the in-process client it offers (see its client.ts).
 */
export interface PeerService {
  readonly url: string | undefined;
  readonly local: unknown;
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
  /**
   * The data-plane drivers the entry point chose for this service from config (services never
   * import drivers/; each casts this to the shape its drivers.ts declares).
   */
  readonly drivers?: unknown;
  /** Looks up another service by type; called when needed, so start order does not matter. */
  readonly peer: (type: string) => PeerService;
}

export interface ServiceInstance {
  readonly routes: readonly RouteSpec[];
  readonly faults: FaultFormatter;
  readonly microversions?: MicroversionSpec | undefined;
  /** A token validator this service provides to itself and, in process, to the others. */
  readonly tokens?: TokenValidator | undefined;
  /** What this service offers services in the same process (the in-process side of its client.ts). */
  readonly client?: unknown;
  /** Nova-style extra request id headers. */
  readonly requestIdHeaders?: readonly string[];
  /** Request content types beyond JSON its routes read (image data streams, JSON-patch). */
  readonly bodyParsers?: readonly BodyParser[];
  /** Background work (reconcilers, pollers), stopped on shutdown. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
