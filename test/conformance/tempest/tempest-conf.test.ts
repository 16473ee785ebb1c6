import { describe, expect, it } from 'vitest';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import { FULL_IDENTITY_FEATURES } from './identity-features.ts';
import type { ImageSettings, VolumeSettings } from './service-features.ts';
import type { IniSection } from './tempest-conf.ts';
import {
  applyOverrides,
  buildTempestConf,
  DEFAULT_BUILD_TIMEOUT_SECONDS,
  parseOverride,
  renderIni,
  UNREACHABLE_HTTP_IMAGE,
} from './tempest-conf.ts';

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

describe('image and volume sections', () => {
  const image: ImageSettings = {
    importImage: true,
    containerFormats: ['ami', 'bare'],
    diskFormats: ['raw', 'qcow2'],
    osGlanceReserved: true,
  };
  const volume: VolumeSettings = {
    catalogType: 'block-storage',
    maxMicroversion: '3.70',
    backendNames: ['fake', 'file'],
    multiBackend: true,
    storageProtocol: 'iSCSI',
    vendorName: 'strata',
    backup: true,
    snapshot: true,
    clone: true,
    apiExtensions: ['OS-SCH-HNT', 'backups'],
  };
  const services = { ...identityOnly, glance: true, cinder: true };
  const conf = buildTempestConf({
    workspaceDir: '/ws',
    admin,
    services,
    identity: FULL_IDENTITY_FEATURES,
    image,
    volume,
    imageRef: 'img-1',
    buildTimeoutSeconds: 90,
  });

  it('writes [image] http_image as given', () => {
    const served = buildTempestConf({
      workspaceDir: '/ws',
      admin,
      services,
      identity: FULL_IDENTITY_FEATURES,
      image,
      httpImage: 'http://127.0.0.1:4000/x.img',
    });
    expect(valueOf(served, 'image', 'http_image')).toBe('http://127.0.0.1:4000/x.img');
  });

  it('writes [image]: an unreachable http image, the formats, the timeout', () => {
    expect(valueOf(conf, 'image', 'http_image')).toBe(UNREACHABLE_HTTP_IMAGE);
    expect(new URL(UNREACHABLE_HTTP_IMAGE).hostname).toBe('127.0.0.1');
    expect(valueOf(conf, 'image', 'container_formats')).toBe('ami,bare');
    expect(valueOf(conf, 'image', 'disk_formats')).toBe('raw,qcow2');
    expect(valueOf(conf, 'image', 'build_timeout')).toBe('90');
  });

  it('writes [image-feature-enabled]: v2 only, import as decided', () => {
    expect(valueOf(conf, 'image-feature-enabled', 'api_v2')).toBe('true');
    expect(valueOf(conf, 'image-feature-enabled', 'api_v1')).toBe('false');
    expect(valueOf(conf, 'image-feature-enabled', 'import_image')).toBe('true');
    expect(valueOf(conf, 'image-feature-enabled', 'os_glance_reserved')).toBe('true');
  });

  it('writes [volume] and [volume-feature-enabled] from the settings', () => {
    expect(valueOf(conf, 'volume', 'catalog_type')).toBe('block-storage');
    expect(valueOf(conf, 'volume', 'max_microversion')).toBe('3.70');
    expect(valueOf(conf, 'volume', 'volume_size')).toBe('1');
    expect(valueOf(conf, 'volume', 'build_timeout')).toBe('90');
    expect(valueOf(conf, 'volume', 'backend_names')).toBe('fake,file');
    expect(valueOf(conf, 'volume', 'storage_protocol')).toBe('iSCSI');
    expect(valueOf(conf, 'volume', 'vendor_name')).toBe('strata');
    const features = Object.fromEntries(
      (conf.find((s) => s.name === 'volume-feature-enabled')?.options ?? []).map((o) => [
        o.key,
        o.value,
      ]),
    );
    expect(features).toEqual({
      backup: 'true',
      snapshot: 'true',
      clone: 'true',
      multi_backend: 'true',
      manage_volume: 'false',
      manage_snapshot: 'false',
      extend_attached_volume: 'false',
      extend_attached_encrypted_volume: 'false',
      api_extensions: 'OS-SCH-HNT,backups',
    });
  });

  it('points [compute] image_ref at the uploaded image, and marks the services available', () => {
    expect(valueOf(conf, 'compute', 'image_ref')).toBe('img-1');
    expect(valueOf(conf, 'service_available', 'glance')).toBe('true');
    expect(valueOf(conf, 'service_available', 'cinder')).toBe('true');
    expect(valueOf(conf, 'service_available', 'nova')).toBe('false');
  });

  it('leaves out what it does not know: no microversion, no backends, no image', () => {
    const bare = buildTempestConf({
      workspaceDir: '/ws',
      admin,
      services,
      identity: FULL_IDENTITY_FEATURES,
      volume: { ...volume, maxMicroversion: null, backendNames: [] },
    });
    expect(valueOf(bare, 'volume', 'max_microversion')).toBeUndefined();
    expect(valueOf(bare, 'volume', 'backend_names')).toBeUndefined();
    expect(valueOf(bare, 'volume', 'build_timeout')).toBe(String(DEFAULT_BUILD_TIMEOUT_SECONDS));
    expect(bare.some((s) => s.name === 'compute' || s.name === 'image')).toBe(false);
  });

  it('writes no image or volume section for an identity-only cloud', () => {
    const identity = buildTempestConf({
      workspaceDir: '/ws',
      admin,
      services: identityOnly,
      identity: FULL_IDENTITY_FEATURES,
    });
    const names = identity.map((s) => s.name);
    expect(names).not.toContain('volume');
    expect(names).not.toContain('image-feature-enabled');
  });
});
