import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { loadConfig, type Config, type ConfigSection } from '../core/config/index.ts';
import { openDatabase, migrateToLatest, type Database } from '../core/db/index.ts';
import { createLogger, createProcessMetrics, HealthRegistry, type Logger } from '../core/observability/index.ts';
import { PolicyEnforcer, loadPolicyFile, personaPolicies } from '../core/auth/index.ts';
import {
  authConfig,
  buildService,
  databaseConfig,
  loggingConfig,
  policyConfig,
  processSections,
  serverConfig,
  type RunningService,
  type ServiceDefinition,
} from '../core/service/index.ts';
import { CachingTokenValidator, type TokenValidator } from '../core/auth/index.ts';
import { bootstrapIdentity, type IdentityInstance } from '../services/identity/index.ts';
import { allServices } from './services.ts';
import { driversFor } from './drivers.ts';

export interface CloudOptions {
  readonly dataDir: string;
  readonly configFile?: string | undefined;
  /** Values from command-line flags, by section and key; they win over file and environment. */
  readonly overrides?: Record<string, Record<string, unknown>>;
  readonly env?: NodeJS.ProcessEnv;
  /** Service types to run; all by default. */
  readonly services?: readonly string[];
  /** Services not registered in services.ts yet, run as if they were (tests of a service before it is wired in). */
  readonly extraServices?: readonly ServiceDefinition[];
  readonly adminPassword?: string | undefined;
  readonly logger?: Logger;
  readonly progress?: (line: string) => void;
}

export interface RunningCloud {
  readonly config: Config;
  readonly services: readonly RunningService[];
  /** Public URL of each running service's API, by type. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly authUrl: string;
  readonly adminPassword: string;
  readonly cloudsYaml: string;
  readonly openrc: string;
  close(): Promise<void>;
}

export function configSections(extra: readonly ServiceDefinition[] = []): ConfigSection[] {
  return [...processSections, ...[...allServices, ...extra].map((s) => s.config)];
}

function servicePort(config: Config, def: ServiceDefinition): number {
  const values = config.section(def.config) as Record<string, unknown>;
  const port = values.port;
  if (typeof port !== 'number') throw new Error(`service ${def.type} declares no port option`);
  return port;
}

function adminPasswordFor(dataDir: string, given: string | undefined): string {
  const file = path.join(dataDir, 'admin-password');
  if (given) return given;
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const generated = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return generated;
}

/**
 * Starts the cloud in this process: every selected service on its own port, sharing one
 * database per URL, with identity bootstrapped (admin, catalog) on first run and reused
 * afterwards. Writes clouds.yaml and openrc into the data directory.
 */
export async function startCloud(opts: CloudOptions): Promise<RunningCloud> {
  const progress = opts.progress ?? (() => {});
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const known = [...allServices, ...(opts.extraServices ?? [])];
  const config = loadConfig(configSections(opts.extraServices), {
    file: opts.configFile,
    env: opts.env ?? process.env,
    overrides: opts.overrides ?? {},
  });
  const server = config.section(serverConfig);
  const logger = opts.logger ?? createLogger({ name: 'strata', level: config.section(loggingConfig).level });
  const metrics = createProcessMetrics();
  const health = new HealthRegistry();
  const selected = known.filter((s) => !opts.services || opts.services.includes(s.type));
  const policyFile = config.section(policyConfig).file;
  const policy = new PolicyEnforcer({
    defaults: [...personaPolicies, ...known.flatMap((s) => s.policies)],
    overrides: policyFile ? loadPolicyFile(policyFile) : {},
  });

  const databases = new Map<string, Database>();
  const running: RunningService[] = [];
  const closeAll = async () => {
    for (const s of [...running].reverse()) await s.close().catch(() => {});
    for (const db of databases.values()) await db.close().catch(() => {});
  };
  try {
    const defaultUrl = config.section(databaseConfig).url || `sqlite://${path.resolve(opts.dataDir, 'strata.db')}`;
    let tokens: TokenValidator | undefined;
    let identity: IdentityInstance | undefined;
    const publicHost = server.public_host || (server.bind_host === '0.0.0.0' || server.bind_host === '::' ? '127.0.0.1' : server.bind_host);
    const endpoints: Record<string, string> = {};
    const catalogUrls: Array<{ type: string; name: string; url: string }> = [];
    const locals = new Map<string, unknown>();
    const peer = (type: string) => ({ url: endpoints[type], local: locals.get(type) });
    for (const def of selected) {
      const own = (config.section(def.config) as Record<string, unknown>).database_url;
      const url = (typeof own === 'string' && own) || defaultUrl;
      let db = databases.get(url);
      if (!db) {
        db = await openDatabase(url, { poolSize: config.section(databaseConfig).pool_size, applicationName: 'strata' });
        databases.set(url, db);
        const probeDb = db;
        health.register(`database:${probeDb.url}`, async () => {
          await probeDb.kysely.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
        });
      }
      const applied = await migrateToLatest(db, def.type.replace(/-/g, '_'), def.migrations);
      if (applied.length) progress(`${def.type}: applied migrations ${applied.join(', ')}`);
      metrics.watchDbPool(def.type, () => db.poolStats());
      const svc = await buildService(
        def,
        {
          config,
          db,
          logger: logger.child({ service: def.type }),
          metrics,
          health,
          policy,
          tokens,
          dataDir: path.join(opts.dataDir, def.type),
          drivers: driversFor(def.type, config, path.join(opts.dataDir, def.type)),
          peer,
        },
        { bodyLimit: server.body_limit, trustProxy: server.trust_proxy },
      );
      running.push(svc);
      if (svc.instance.client !== undefined) locals.set(def.type, svc.instance.client);
      if (def.type === 'identity') {
        identity = svc.instance as IdentityInstance;
        // Other services in this process validate through identity directly, with the
        // same short cache keystonemiddleware keeps.
        tokens = new CachingTokenValidator(identity.tokens, {
          ttlMs: config.section(authConfig).token_cache_seconds * 1000,
          maxEntries: 10_000,
        });
      }
      const port = servicePort(config, def);
      await svc.listen(server.bind_host, port);
      const actualPort = (svc.app.server.address() as { port: number }).port;
      const root = `http://${publicHost}:${actualPort}`;
      endpoints[def.type] = `${root}${def.catalog[0]?.path ?? ''}`.replace('/$(project_id)s', '');
      for (const c of def.catalog) catalogUrls.push({ ...c, url: `${root}${c.path}` });
      progress(`${def.type} (${def.project}) listening on ${server.bind_host}:${actualPort}`);
    }
    if (!identity) throw new Error('the identity service must run in the all-in-one process');
    const adminPassword = adminPasswordFor(opts.dataDir, opts.adminPassword);
    const result = await bootstrapIdentity(identity.env, {
      adminUser: 'admin',
      adminPassword,
      adminProject: 'admin',
      region: server.region,
      catalog: catalogUrls.map((c) => ({
        type: c.type,
        name: c.name,
        urls: { public: c.url, internal: c.url, admin: c.url },
      })),
    });
    progress(result.created ? 'identity: created admin user, project and catalog' : 'identity: reusing existing data');
    const authUrl = endpoints.identity!;
    const cloudsYaml = path.join(opts.dataDir, 'clouds.yaml');
    const openrc = path.join(opts.dataDir, 'openrc');
    writeClientConfig({ cloudsYaml, openrc, authUrl, adminPassword, region: server.region });
    return {
      config,
      services: running,
      endpoints,
      authUrl,
      adminPassword,
      cloudsYaml,
      openrc,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function writeClientConfig(o: { cloudsYaml: string; openrc: string; authUrl: string; adminPassword: string; region: string }) {
  const clouds = {
    clouds: {
      strata: {
        auth: {
          auth_url: o.authUrl,
          username: 'admin',
          password: o.adminPassword,
          project_name: 'admin',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        region_name: o.region,
        interface: 'public',
        identity_api_version: 3,
      },
    },
  };
  fs.writeFileSync(o.cloudsYaml, toYaml(clouds), { mode: 0o600 });
  const rc = [
    `export OS_AUTH_URL=${o.authUrl}`,
    'export OS_USERNAME=admin',
    `export OS_PASSWORD='${o.adminPassword}'`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${o.region}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
  fs.writeFileSync(o.openrc, rc, { mode: 0o600 });
}
