import type { OptionValues } from '../../core/config/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { identityConfig } from './config.ts';
import type { IdentityDb, WriteGeneration } from './store/db.ts';
import type { PasswordHasher } from './passwords.ts';
import type { TokenService } from './auth/token-service.ts';
import type { Authenticator } from './auth/authenticate.ts';
import type { RevocationList } from './auth/revocation-list.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import type { CatalogCache } from './auth/catalog-cache.ts';

export type IdentitySettings = OptionValues<(typeof identityConfig)['options']>;

/**
 * What the identity service's route modules share: its store, settings and the token
 * machinery. Built once in index.ts and passed to each `*Routes(env)` function.
 */
export interface IdentityEnv {
  readonly db: IdentityDb;
  readonly generation: WriteGeneration;
  readonly settings: IdentitySettings;
  readonly hasher: PasswordHasher;
  readonly tokens: TokenService;
  readonly revocations: RevocationList;
  readonly authenticator: Authenticator;
  readonly credentials: CredentialCipher;
  /** The token catalog per project and user, kept until the store changes. */
  readonly catalog: CatalogCache;
  readonly logger: Logger;
  /** Base URL for links when public_url is configured; otherwise each request's own. */
  readonly publicUrl: string | undefined;
  now(): Date;
}
