import type { AdminCredentials } from '../lib/openstack-env.ts';
import { withoutOpenstackVariables } from '../lib/openstack-env.ts';

/** An environment acting as a password user scoped to a project, nothing else inherited. */
export function passwordUserEnvironment(
  base: NodeJS.ProcessEnv,
  admin: AdminCredentials,
  user: { name: string; password: string; domain: string; project: string },
): NodeJS.ProcessEnv {
  return {
    ...withoutOpenstackVariables(base),
    OS_AUTH_URL: admin.authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
    OS_REGION_NAME: admin.regionName,
    OS_USERNAME: user.name,
    OS_PASSWORD: user.password,
    OS_USER_DOMAIN_NAME: user.domain,
    OS_PROJECT_NAME: user.project,
    OS_PROJECT_DOMAIN_NAME: user.domain,
    ...(admin.caCertFile ? { OS_CACERT: admin.caCertFile } : {}),
  };
}

/** Global options that authenticate with an application credential and nothing else. */
export function applicationCredentialOptions(
  admin: AdminCredentials,
  id: string,
  secret: string,
): string[] {
  return [
    '--os-auth-type',
    'v3applicationcredential',
    '--os-auth-url',
    admin.authUrl,
    '--os-identity-api-version',
    '3',
    '--os-interface',
    'public',
    '--os-region-name',
    admin.regionName,
    '--os-application-credential-id',
    id,
    '--os-application-credential-secret',
    secret,
  ];
}

/** A password user scoped to a project, as a clouds.yaml entry. */
export interface PasswordUser {
  name: string;
  password: string;
  userDomain: string;
  project: string;
  projectDomain: string;
}

/**
 * Where the CLI is told the image service is when the catalog has none: `openstack volume
 * create` (OSC 6.0) builds its image client before anything else and fails with "public
 * endpoint for image service … not found" even without --image. Nothing listens there; the
 * override only keeps the client from looking the service up in the catalog.
 */
export const ABSENT_IMAGE_SERVICE = {
  image_api_version: '2',
  image_endpoint_override: 'http://127.0.0.1:9/',
};

/**
 * clouds.yaml (JSON is YAML) with one cloud per user. OSC reads per-service endpoint
 * overrides from clouds.yaml only, not from OS_* variables.
 */
export function cloudsFile(
  admin: AdminCredentials,
  users: Record<string, PasswordUser>,
  extra: Record<string, string> = {},
): string {
  const clouds: Record<string, unknown> = {};
  for (const [name, user] of Object.entries(users)) {
    clouds[name] = {
      auth: {
        auth_url: admin.authUrl,
        username: user.name,
        password: user.password,
        user_domain_name: user.userDomain,
        project_name: user.project,
        project_domain_name: user.projectDomain,
      },
      region_name: admin.regionName,
      interface: 'public',
      identity_api_version: '3',
      ...(admin.caCertFile ? { cacert: admin.caCertFile } : {}),
      ...extra,
    };
  }
  return `${JSON.stringify({ clouds }, null, 2)}\n`;
}

/** An environment acting as one cloud of a clouds.yaml, nothing else inherited. */
export function cloudEnvironment(
  base: NodeJS.ProcessEnv,
  file: string,
  cloud: string,
): NodeJS.ProcessEnv {
  return { ...withoutOpenstackVariables(base), OS_CLIENT_CONFIG_FILE: file, OS_CLOUD: cloud };
}
