/** The admin identity a conformance run authenticates with, read from the OS_* variables. */
export interface AdminCredentials {
  /** OS_AUTH_URL as given (the openstack CLI accepts it with or without /v3). */
  authUrl: string;
  /** The same URL ending in /v3, without a trailing slash (tempest's uri_v3). */
  identityV3Url: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  regionName: string;
  /** OS_CACERT: CA bundle for a TLS endpoint, if any. */
  caCertFile?: string;
}

export class MissingEnvironmentError extends Error {
  constructor(readonly missing: string[]) {
    super(`missing environment variable(s): ${missing.join(', ')}`);
    this.name = 'MissingEnvironmentError';
  }
}

/** `http://h:5000`, `http://h:5000/`, `http://h:5000/v3/` all become `http://h:5000/v3`. */
export function identityV3Url(authUrl: string): string {
  const trimmed = authUrl.trim().replace(/\/+$/, '');
  return trimmed.endsWith('/v3') ? trimmed : `${trimmed}/v3`;
}

/**
 * Reads the credentials of the admin user. OS_AUTH_URL and OS_PASSWORD are required; the
 * rest default to what `keystone-manage bootstrap` and strata create (admin / admin /
 * Default / RegionOne).
 */
export function readAdminCredentials(env: NodeJS.ProcessEnv): AdminCredentials {
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const missing = ['OS_AUTH_URL', 'OS_PASSWORD'].filter((name) => value(name) === undefined);
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
  const authUrl = value('OS_AUTH_URL') as string;
  const domain = value('OS_DOMAIN_NAME') ?? 'Default';
  const credentials: AdminCredentials = {
    authUrl,
    identityV3Url: identityV3Url(authUrl),
    username: value('OS_USERNAME') ?? 'admin',
    password: value('OS_PASSWORD') as string,
    projectName: value('OS_PROJECT_NAME') ?? 'admin',
    userDomainName: value('OS_USER_DOMAIN_NAME') ?? domain,
    projectDomainName: value('OS_PROJECT_DOMAIN_NAME') ?? domain,
    regionName: value('OS_REGION_NAME') ?? 'RegionOne',
  };
  const caCert = value('OS_CACERT');
  if (caCert !== undefined) credentials.caCertFile = caCert;
  return credentials;
}

/**
 * OS_* variables for a child `openstack` process acting as the admin. Variables of other
 * auth methods (a token, a cloud name, application credentials) are dropped, so the
 * caller's shell cannot silently change who the child is.
 */
export function adminCliEnvironment(
  base: NodeJS.ProcessEnv,
  credentials: AdminCredentials,
): NodeJS.ProcessEnv {
  const env = withoutOpenstackVariables(base);
  Object.assign(env, {
    OS_AUTH_URL: credentials.authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
    OS_USERNAME: credentials.username,
    OS_PASSWORD: credentials.password,
    OS_PROJECT_NAME: credentials.projectName,
    OS_USER_DOMAIN_NAME: credentials.userDomainName,
    OS_PROJECT_DOMAIN_NAME: credentials.projectDomainName,
    OS_REGION_NAME: credentials.regionName,
  });
  if (credentials.caCertFile) env.OS_CACERT = credentials.caCertFile;
  return env;
}

/** A copy of `base` without any OS_* variable. */
export function withoutOpenstackVariables(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, v] of Object.entries(base)) {
    if (!key.startsWith('OS_')) env[key] = v;
  }
  return env;
}
