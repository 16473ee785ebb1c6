import { describe, expect, it } from 'vitest';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import {
  ABSENT_IMAGE_SERVICE,
  applicationCredentialOptions,
  cloudEnvironment,
  cloudsFile,
  passwordUserEnvironment,
} from './cli-identities.ts';
import { column, includesAll } from './cli-output.ts';
import { scenarioNames } from './scenario-context.ts';

const admin: AdminCredentials = {
  authUrl: 'http://h:5000/v3/',
  identityV3Url: 'http://h:5000/v3',
  username: 'admin',
  password: 'pw',
  projectName: 'admin',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  regionName: 'R1',
};

describe('identities for the CLI', () => {
  it('a password user environment inherits no OS_* of the caller', () => {
    const env = passwordUserEnvironment(
      { PATH: '/bin', OS_TOKEN: 't', OS_PASSWORD: 'admin-pw' },
      admin,
      {
        name: 'u',
        password: 'upw',
        domain: 'Default',
        project: 'p',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      OS_AUTH_URL: 'http://h:5000/v3/',
      OS_IDENTITY_API_VERSION: '3',
      OS_INTERFACE: 'public',
      OS_REGION_NAME: 'R1',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'upw',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_NAME: 'p',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
  });

  it('application credential options name the auth type, endpoint, id and secret', () => {
    const options = applicationCredentialOptions(admin, 'ac1', 's3');
    const value = (flag: string): string | undefined => options[options.indexOf(flag) + 1];
    expect(value('--os-auth-type')).toBe('v3applicationcredential');
    expect(value('--os-auth-url')).toBe('http://h:5000/v3/');
    expect(value('--os-application-credential-id')).toBe('ac1');
    expect(value('--os-application-credential-secret')).toBe('s3');
    expect(value('--os-region-name')).toBe('R1');
  });
});

describe('scenario names and list checks', () => {
  it('names every resource after the run id', () => {
    const names = scenarioNames('abc');
    expect(Object.values(names).every((n) => n.startsWith('osc-conformance-abc-'))).toBe(true);
    expect(new Set(Object.values(names)).size).toBe(6);
  });

  it('reads a column and reports what a list lacks', () => {
    const rows = [{ ID: '1', Name: 'a' }, { ID: '2' }];
    expect(column(rows, 'Name')).toEqual(['a', '']);
    expect(() => includesAll(['a', 'b'], ['a'], 'x list')).not.toThrow();
    expect(() => includesAll(['a'], ['a', 'c', 'd'], 'x list')).toThrow(
      'x list lacks c, d (has 1 entries)',
    );
  });
});

describe('clouds.yaml identities', () => {
  it('writes one cloud per user with the extra settings, and an environment naming it', () => {
    const text = cloudsFile(
      { ...admin, caCertFile: '/ca.pem' },
      {
        member: { name: 'm', password: 'mpw', userDomain: 'D', project: 'p', projectDomain: 'D2' },
      },
      ABSENT_IMAGE_SERVICE,
    );
    expect(JSON.parse(text)).toEqual({
      clouds: {
        member: {
          auth: {
            auth_url: 'http://h:5000/v3/',
            username: 'm',
            password: 'mpw',
            user_domain_name: 'D',
            project_name: 'p',
            project_domain_name: 'D2',
          },
          region_name: 'R1',
          interface: 'public',
          identity_api_version: '3',
          cacert: '/ca.pem',
          image_api_version: '2',
          image_endpoint_override: 'http://127.0.0.1:9/',
        },
      },
    });
    expect(cloudEnvironment({ PATH: '/bin', OS_PASSWORD: 'x' }, '/c.yaml', 'member')).toEqual({
      PATH: '/bin',
      OS_CLIENT_CONFIG_FILE: '/c.yaml',
      OS_CLOUD: 'member',
    });
  });
});
