import path from 'node:path';
import type { TokenValidator } from '../../core/auth/index.ts';
import type { ServiceDefinition, ServiceDeps, ServiceInstance } from '../../core/service/index.ts';
import { identityConfig } from './config.ts';
import { keystoneFault } from './errors.ts';
import { identityPolicies } from './policies.ts';
import { identityMigrations } from './store/migrations/index.ts';
import { WriteGeneration, type IdentityDb } from './store/db.ts';
import { PasswordHasher } from './passwords.ts';
import { KeyRing, TokenCodec, setupKeyRepository } from './token/index.ts';
import { RevocationList } from './auth/revocation-list.ts';
import { TokenInvalid, TokenService, authContextOf, unauthorizedToken } from './auth/token-service.ts';
import { Authenticator } from './auth/authenticate.ts';
import { CredentialCipher } from './credential-cipher.ts';
import { CatalogCache } from './auth/catalog-cache.ts';
import { identityRoutes } from './api/index.ts';
import { inProcessIdentityClient } from './client.ts';
import type { IdentityEnv } from './env.ts';

export { bootstrapIdentity, type BootstrapOptions, type CatalogEntry } from './bootstrap.ts';
export { identityConfig } from './config.ts';
export type { IdentityEnv } from './env.ts';

/** The identity service with its environment exposed, for bootstrap and tests. */
export interface IdentityInstance extends ServiceInstance {
  readonly env: IdentityEnv;
  readonly tokens: TokenValidator;
}

/** Builds the identity service's environment from the process dependencies. */
export function createIdentityEnv(deps: ServiceDeps): IdentityEnv {
  const settings = deps.config.section(identityConfig);
  const generation = new WriteGeneration();
  const db = deps.db.kysely.withPlugin(generation) as unknown as IdentityDb;
  const keyDir = settings.key_repository || path.join(deps.dataDir, 'fernet-keys');
  const credentialKeyDir = settings.credential_key_repository || path.join(deps.dataDir, 'credential-keys');
  setupKeyRepository(keyDir);
  setupKeyRepository(credentialKeyDir);
  const codec = new TokenCodec(new KeyRing(keyDir));
  const revocations = new RevocationList(db, {
    pollMs: settings.revocation_poll_seconds * 1000,
    retentionMs: (settings.token_expiration + settings.allow_expired_window) * 1000,
  });
  const tokens = new TokenService(db, generation, codec, revocations, {
    adminProjectName: settings.admin_project_name,
    adminProjectDomainName: settings.admin_project_domain_name,
    allowExpiredWindowMs: settings.allow_expired_window * 1000,
    cacheTtlMs: settings.validation_cache_seconds * 1000,
  });
  const hasher = new PasswordHasher(settings.password_hash_rounds);
  const authenticator = new Authenticator(db, hasher, tokens, {
    tokenExpirationSeconds: settings.token_expiration,
    allowRescopeScopedToken: settings.allow_rescope_scoped_token,
    lockoutFailureAttempts: settings.lockout_failure_attempts,
    lockoutDurationSeconds: settings.lockout_duration,
    disableUserAccountDaysInactive: settings.disable_user_account_days_inactive,
    changePasswordUponFirstUse: settings.change_password_upon_first_use,
  });
  return {
    db,
    generation,
    settings,
    hasher,
    tokens,
    revocations,
    authenticator,
    credentials: new CredentialCipher(new KeyRing(credentialKeyDir)),
    catalog: new CatalogCache(db, generation),
    logger: deps.logger,
    publicUrl: settings.public_url ? settings.public_url.replace(/\/+$/, '') : undefined,
    now: () => new Date(),
  };
}

export const identityService: ServiceDefinition = {
  type: 'identity',
  project: 'keystone',
  config: identityConfig,
  migrations: identityMigrations,
  policies: identityPolicies,
  catalog: [{ type: 'identity', name: 'keystone', path: '/v3' }],
  async create(deps: ServiceDeps): Promise<IdentityInstance> {
    const env = createIdentityEnv(deps);
    const tokens: TokenValidator = {
      async validate(token) {
        try {
          return authContextOf(await env.tokens.validate(token));
        } catch (err) {
          if (err instanceof TokenInvalid) throw unauthorizedToken(err.reason);
          throw err;
        }
      },
    };
    let pruneTimer: NodeJS.Timeout | undefined;
    return {
      env,
      routes: identityRoutes(env),
      faults: keystoneFault,
      tokens,
      client: inProcessIdentityClient(env.db),
      async start() {
        await env.revocations.sync(true);
        // Old revocation events can never match a live token: drop them hourly.
        pruneTimer = setInterval(() => {
          env.revocations.prune().catch((err: unknown) => env.logger.warn({ err }, 'revocation prune failed'));
        }, 3_600_000);
        pruneTimer.unref();
      },
      async stop() {
        clearInterval(pruneTimer);
      },
    };
  },
};
