import { describe, expect, it } from 'vitest';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import { FULL_IDENTITY_FEATURES } from './identity-features.ts';
import type { IniSection } from './tempest-conf.ts';
import { applyOverrides, buildTempestConf, parseOverride, renderIni } from './tempest-conf.ts';

const admin: AdminCredentials = {
  authUrl: 'http://127.0.0.1:5000/v3/',
  identityV3Url: 'http://127.0.0.1:5000/v3',
  username: 'admin',
  password: 'Secret-Admin-Pass1',
  projectName: 'admin',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  regionName: 'RegionOne',
};
const identityOnly = { nova: false, neutron: false, cinder: false, glance: false, swift: false };

const valueOf = (sections: IniSection[], section: string, key: string): string | undefined =>
  sections.find((s) => s.name === section)?.options.find((o) => o.key === key)?.value;

describe('buildTempestConf', () => {
  const conf = buildTempestConf({
    workspaceDir: '/ws',
    admin,
    services: identityOnly,
    identity: FULL_IDENTITY_FEATURES,
  });

  it('points tempest at the v3 endpoint with the admin credentials', () => {
    expect(valueOf(conf, 'identity', 'uri_v3')).toBe('http://127.0.0.1:5000/v3');
    expect(valueOf(conf, 'identity', 'auth_version')).toBe('v3');
    expect(valueOf(conf, 'identity', 'region')).toBe('RegionOne');
    expect(valueOf(conf, 'identity', 'v3_endpoint_type')).toBe('public');
    expect(valueOf(conf, 'auth', 'admin_password')).toBe('Secret-Admin-Pass1');
    expect(valueOf(conf, 'auth', 'admin_project_domain_name')).toBe('Default');
    expect(valueOf(conf, 'auth', 'use_dynamic_credentials')).toBe('true');
    expect(valueOf(conf, 'DEFAULT', 'log_file')).toBe('tempest.log');
    expect(valueOf(conf, 'oslo_concurrency', 'lock_path')).toBe('/ws/tempest_lock');
  });

  it('enables the full v3 feature set with the lockout values of the reference', () => {
    expect(valueOf(conf, 'identity', 'user_lockout_failure_attempts')).toBe('2');
    expect(valueOf(conf, 'identity', 'user_lockout_duration')).toBe('5');
    expect(valueOf(conf, 'identity', 'user_unique_last_password_count')).toBe('2');
    const features = Object.fromEntries(
      (conf.find((s) => s.name === 'identity-feature-enabled')?.options ?? []).map((o) => [
        o.key,
        o.value,
      ]),
    );
    expect(features).toMatchObject({
      api_v2: 'false',
      api_v3: 'true',
      security_compliance: 'true',
      domain_specific_drivers: 'true',
      access_rules: 'true',
      trust: 'true',
      application_credentials: 'true',
      project_tags: 'true',
    });
  });

  it('marks services available from the catalog, and isolated networks only with neutron', () => {
    expect(valueOf(conf, 'service_available', 'nova')).toBe('false');
    expect(valueOf(conf, 'auth', 'create_isolated_networks')).toBe('false');
    const withNetwork = buildTempestConf({
      workspaceDir: '/ws',
      admin,
      services: { ...identityOnly, neutron: true, glance: true },
      identity: FULL_IDENTITY_FEATURES,
    });
    expect(valueOf(withNetwork, 'service_available', 'neutron')).toBe('true');
    expect(valueOf(withNetwork, 'service_available', 'glance')).toBe('true');
    expect(valueOf(withNetwork, 'auth', 'create_isolated_networks')).toBe('true');
  });

  it('writes a CA bundle only when one is given', () => {
    expect(valueOf(conf, 'identity', 'ca_certificates_file')).toBeUndefined();
    const tls = buildTempestConf({
      workspaceDir: '/ws',
      admin: { ...admin, caCertFile: '/etc/ssl/ca.pem' },
      services: identityOnly,
      identity: FULL_IDENTITY_FEATURES,
    });
    expect(valueOf(tls, 'identity', 'ca_certificates_file')).toBe('/etc/ssl/ca.pem');
  });

  it('follows a different feature profile', () => {
    const other = buildTempestConf({
      workspaceDir: '/ws',
      admin,
      services: identityOnly,
      identity: {
        ...FULL_IDENTITY_FEATURES,
        accessRules: false,
        securityCompliance: {
          lockoutFailureAttempts: 3,
          lockoutDurationSeconds: 10,
          uniqueLastPasswordCount: 4,
        },
      },
    });
    expect(valueOf(other, 'identity-feature-enabled', 'access_rules')).toBe('false');
    expect(valueOf(other, 'identity', 'user_lockout_duration')).toBe('10');
  });
});

describe('overrides', () => {
  it('parses section.option=value, with dashes in the section and = in the value', () => {
    expect(parseOverride('identity-feature-enabled.trust=false')).toEqual({
      section: 'identity-feature-enabled',
      key: 'trust',
      value: 'false',
    });
    expect(parseOverride('auth.admin_password=a=b')).toEqual({
      section: 'auth',
      key: 'admin_password',
      value: 'a=b',
    });
    expect(() => parseOverride('trust=false')).toThrow(/section\.option=value/);
    expect(() => parseOverride('identity.trust')).toThrow();
  });

  it('replaces existing options, adds new ones and new sections, without touching the input', () => {
    const base: IniSection[] = [
      { name: 'identity', options: [{ key: 'region', value: 'RegionOne' }] },
    ];
    const result = applyOverrides(base, [
      { section: 'identity', key: 'region', value: 'Two' },
      { section: 'identity', key: 'admin_role', value: 'boss' },
      { section: 'compute', key: 'image_ref', value: 'img' },
    ]);
    expect(valueOf(result, 'identity', 'region')).toBe('Two');
    expect(valueOf(result, 'identity', 'admin_role')).toBe('boss');
    expect(valueOf(result, 'compute', 'image_ref')).toBe('img');
    expect(valueOf(base, 'identity', 'region')).toBe('RegionOne');
  });
});

describe('renderIni', () => {
  it('writes a header, sections, and each reason as a comment above its option', () => {
    const text = renderIni(
      [
        {
          name: 'a',
          options: [
            { key: 'x', value: '1', why: 'because' },
            { key: 'y', value: '' },
          ],
        },
        { name: 'b', options: [] },
      ],
      'line one\nline two',
    );
    expect(text).toBe('# line one\n# line two\n\n[a]\n# because\nx = 1\ny = \n\n[b]\n');
  });
});
