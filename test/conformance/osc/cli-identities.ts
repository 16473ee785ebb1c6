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
