import { describe, expect, it } from 'vitest';
import {
  adminCliEnvironment,
  identityV3Url,
  MissingEnvironmentError,
  readAdminCredentials,
  withoutOpenstackVariables,
} from './openstack-env.ts';

describe('identityV3Url', () => {
  it('normalises the auth URL to end in /v3 without a slash', () => {
    expect(identityV3Url('http://h:5000')).toBe('http://h:5000/v3');
    expect(identityV3Url('http://h:5000/')).toBe('http://h:5000/v3');
    expect(identityV3Url('http://h:5000/v3/')).toBe('http://h:5000/v3');
    expect(identityV3Url(' https://h/identity/v3 ')).toBe('https://h/identity/v3');
  });
});

describe('readAdminCredentials', () => {
  it('requires OS_AUTH_URL and OS_PASSWORD, naming what is missing', () => {
    expect(() => readAdminCredentials({ OS_AUTH_URL: 'http://h', OS_PASSWORD: ' ' })).toThrow(
      MissingEnvironmentError,
    );
    expect(() => readAdminCredentials({})).toThrow(
      'missing environment variable(s): OS_AUTH_URL, OS_PASSWORD',
    );
  });

  it('defaults the rest to the bootstrap admin', () => {
    expect(readAdminCredentials({ OS_AUTH_URL: 'http://h:5000/v3/', OS_PASSWORD: 'pw' })).toEqual({
      authUrl: 'http://h:5000/v3/',
      identityV3Url: 'http://h:5000/v3',
      username: 'admin',
      password: 'pw',
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      regionName: 'RegionOne',
    });
  });

  it('takes every variable that is set, OS_DOMAIN_NAME as the fallback domain', () => {
    const c = readAdminCredentials({
      OS_AUTH_URL: 'http://h',
      OS_PASSWORD: 'pw',
      OS_USERNAME: 'root',
      OS_PROJECT_NAME: 'ops',
      OS_DOMAIN_NAME: 'Corp',
      OS_PROJECT_DOMAIN_NAME: 'Infra',
      OS_REGION_NAME: 'East',
      OS_CACERT: '/ca.pem',
    });
    expect(c).toMatchObject({
      username: 'root',
      projectName: 'ops',
      userDomainName: 'Corp',
      projectDomainName: 'Infra',
      regionName: 'East',
      caCertFile: '/ca.pem',
    });
  });
});

describe('CLI environments', () => {
  it('replaces every OS_* variable of the caller with the admin identity', () => {
    const creds = readAdminCredentials({ OS_AUTH_URL: 'http://h/v3', OS_PASSWORD: 'pw' });
    const env = adminCliEnvironment(
      { PATH: '/bin', OS_TOKEN: 't', OS_CLOUD: 'c', OS_AUTH_TYPE: 'token' },
      creds,
    );
    expect(env).toEqual({
      PATH: '/bin',
      OS_AUTH_URL: 'http://h/v3',
      OS_IDENTITY_API_VERSION: '3',
      OS_INTERFACE: 'public',
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'pw',
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
    });
  });

  it('withoutOpenstackVariables keeps everything else', () => {
    expect(withoutOpenstackVariables({ HOME: '/root', OS_PASSWORD: 'x', LOS_X: 'y' })).toEqual({
      HOME: '/root',
      LOS_X: 'y',
    });
  });
});
