import { describe, expect, it } from 'vitest';
import { credentialsFromOpenrc, passwordAuthBody } from './keystone-credentials.ts';

describe('credentialsFromOpenrc', () => {
  it('reads the exports start-keystone.sh env prints, dropping the trailing slash', () => {
    const creds = credentialsFromOpenrc(
      [
        'export OS_AUTH_URL=http://127.0.0.1:41234/v3/',
        'export OS_IDENTITY_API_VERSION=3',
        'export OS_USERNAME=admin',
        "export OS_PASSWORD='pa ss'",
        'export OS_PROJECT_NAME=admin',
        'export OS_USER_DOMAIN_NAME=Default',
        'export OS_PROJECT_DOMAIN_NAME=Other',
      ].join('\n'),
    );
    expect(creds).toEqual({
      authUrl: 'http://127.0.0.1:41234/v3',
      username: 'admin',
      password: 'pa ss',
      userDomainName: 'Default',
      projectName: 'admin',
      projectDomainName: 'Other',
    });
  });

  it('refuses credentials without a password', () => {
    expect(() =>
      credentialsFromOpenrc('OS_AUTH_URL=http://x/v3\nOS_USERNAME=a\nOS_PROJECT_NAME=p\n'),
    ).toThrow(/OS_PASSWORD/);
  });
});

describe('passwordAuthBody', () => {
  it('is a project-scoped password authentication by names', () => {
    const body = JSON.parse(
      passwordAuthBody({
        authUrl: 'http://x/v3',
        username: 'admin',
        password: 's3cret',
        userDomainName: 'Default',
        projectName: 'admin',
        projectDomainName: 'Default',
      }),
    );
    expect(body).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: 's3cret' } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
  });
});
