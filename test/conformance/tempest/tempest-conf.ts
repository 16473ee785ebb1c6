import path from 'node:path';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import type { IdentityFeatures } from './identity-features.ts';
import type { ServiceAvailability } from '../lib/service-catalog.ts';
import type { ImageSettings, VolumeSettings } from './service-features.ts';

export interface IniOption {
  key: string;
  value: string;
  /** Why the option has this value; written as a comment above it. */
  why?: string;
}

export interface IniSection {
  name: string;
  options: IniOption[];
}

export interface ConfOverride {
  section: string;
  key: string;
  value: string;
}

export interface TempestConfInput {
  /** The tempest workspace (`tempest init` directory): logs and locks go under it. */
  workspaceDir: string;
  admin: AdminCredentials;
  services: ServiceAvailability;
  identity: IdentityFeatures;
  /** [image] and [image-feature-enabled]; written when given (the catalog has glance). */
  image?: ImageSettings;
  /** [volume] and [volume-feature-enabled]; written when given (the catalog has cinder). */
  volume?: VolumeSettings;
  /** An active public image: [compute] image_ref, which volume tests create volumes from. */
  imageRef?: string;
  /** Seconds tempest waits for an image or volume to reach a status. */
  buildTimeoutSeconds?: number;
  /** [image] http_image: what web-download imports; default UNREACHABLE_HTTP_IMAGE. */
  httpImage?: string;
}

/** Where tempest's image tests are told an http image lives: nothing listens there. */
export const UNREACHABLE_HTTP_IMAGE = 'http://127.0.0.1:9/tempest-conformance-unreachable.img';

export const DEFAULT_BUILD_TIMEOUT_SECONDS = 120;

const bool = (v: boolean): string => (v ? 'true' : 'false');

function opt(key: string, value: string, why?: string): IniOption {
  return why === undefined ? { key, value } : { key, value, why };
}

/**
 * The complete tempest.conf for an identity (Keystone v3) conformance run. Every option
 * tempest would otherwise take from its defaults or from Debian's /etc/tempest/tempest.conf
 * (which `tempest init` copies) is written explicitly.
 */
export function buildTempestConf(input: TempestConfInput): IniSection[] {
  const { admin, services, identity, workspaceDir } = input;
  const sc = identity.securityCompliance;
  const buildTimeout = String(input.buildTimeoutSeconds ?? DEFAULT_BUILD_TIMEOUT_SECONDS);
  return [
    {
      name: 'DEFAULT',
      options: [
        // tempest 33 writes its log into the current directory whatever log_dir says, so
        // the runner starts it from the workspace
        opt('log_file', 'tempest.log', 'every HTTP request and response, in the workspace'),
        opt('debug', 'true', 'request/response bodies: what a failure is diagnosed from'),
        opt('use_stderr', 'false'),
      ],
    },
    {
      name: 'oslo_concurrency',
      options: [
        opt(
          'lock_path',
          path.join(workspaceDir, 'tempest_lock'),
          'locks shared by the concurrent workers',
        ),
      ],
    },
    {
      name: 'auth',
      options: [
        opt(
          'use_dynamic_credentials',
          'true',
          'each test class gets a fresh project + user, created with the admin below',
        ),
        opt(
          'create_isolated_networks',
          bool(services.neutron),
          'with a network service, each dynamic project also gets a network',
        ),
        opt('admin_username', admin.username),
        opt('admin_password', admin.password),
        opt('admin_project_name', admin.projectName),
        opt('admin_domain_name', admin.userDomainName),
        opt('admin_user_domain_name', admin.userDomainName),
        opt('admin_project_domain_name', admin.projectDomainName),
        opt(
          'default_credentials_domain_name',
          'Default',
          'domain of the dynamic users and projects',
        ),
      ],
    },
    {
      name: 'identity',
      options: [
        opt('uri_v3', admin.identityV3Url),
        opt('auth_version', 'v3'),
        opt('region', admin.regionName, 'also the default region of every other service'),
        opt(
          'v3_endpoint_type',
          'public',
          "tempest's default (adminURL) is deprecated; a cloud may have public endpoints only",
        ),
        opt('admin_role', 'admin'),
        opt('default_domain_id', 'default'),
        ...(admin.caCertFile ? [opt('ca_certificates_file', admin.caCertFile)] : []),
        opt(
          'user_lockout_failure_attempts',
          String(sc.lockoutFailureAttempts),
          "must equal the server's [security_compliance] lockout_failure_attempts",
        ),
        opt(
          'user_lockout_duration',
          String(sc.lockoutDurationSeconds),
          "must equal the server's [security_compliance] lockout_duration (seconds)",
        ),
        opt(
          'user_unique_last_password_count',
          String(sc.uniqueLastPasswordCount),
          "must equal the server's [security_compliance] unique_last_password_count",
        ),
      ],
    },
    {
      name: 'identity-feature-enabled',
      options: [
        opt('api_v2', 'false', 'Keystone removed the v2.0 API in Queens'),
        opt('api_v3', 'true'),
        opt('trust', bool(identity.trusts), 'OS-TRUST'),
        opt('application_credentials', bool(identity.applicationCredentials)),
        opt('access_rules', bool(identity.accessRules), 'application-credential access rules'),
        opt('project_tags', bool(identity.projectTags)),
        opt(
          'domain_specific_drivers',
          bool(identity.domainSpecificDrivers),
          'the domain configuration API (/v3/domains/{id}/config)',
        ),
        opt(
          'security_compliance',
          'true',
          'lockout and password-history tests, with the three [identity] user_* values',
        ),
        opt('api_extensions', 'all', 'tempest only looks up OS-INHERIT and OS-EC2 here'),
        opt('immutable_user_source', 'false', 'users are created and changed through the API'),
      ],
    },
    {
      name: 'enforce_scope',
      options: [
        opt(
          'keystone',
          'false',
          'project-scoped admin tokens: oslo.policy enforce_scope off (Zed default)',
        ),
        ...['nova', 'neutron', 'glance', 'cinder', 'placement'].map((service) =>
          opt(service, 'false'),
        ),
      ],
    },
    {
      name: 'service_available',
      options: [
        ...Object.entries(services).map(([key, on]) =>
          opt(key, bool(on), 'from the service catalog'),
        ),
        opt('horizon', 'false', 'no dashboard tests'),
      ],
    },
    {
      name: 'validation',
      options: [opt('run_validation', 'false', 'never ssh or ping guests from the test machine')],
    },
    ...(input.imageRef ? [computeSection(input.imageRef)] : []),
    ...(input.image ? imageSections(input.image, buildTimeout, input.httpImage) : []),
    ...(input.volume ? volumeSections(input.volume, buildTimeout) : []),
  ];
}

function computeSection(imageRef: string): IniSection {
  const why = 'uploaded by the runner; volume tests create volumes from it (nova is not needed)';
  return {
    name: 'compute',
    options: [opt('image_ref', imageRef, why), opt('image_ref_alt', imageRef)],
  };
}

function imageSections(
  image: ImageSettings,
  buildTimeout: string,
  httpImage: string | undefined,
): IniSection[] {
  return [
    {
      name: 'image',
      options: [
        httpImage
          ? opt('http_image', httpImage, 'served by the caller on this host (--http-image)')
          : opt(
              'http_image',
              UNREACHABLE_HTTP_IMAGE,
              'unreachable on purpose: no test may download from the internet',
            ),
        opt('build_timeout', buildTimeout),
        opt(
          'container_formats',
          image.containerFormats.join(','),
          "tempest's list, minus formats the image schema does not offer; [0] is what tests create with",
        ),
        opt('disk_formats', image.diskFormats.join(',')),
      ],
    },
    {
      name: 'image-feature-enabled',
      options: [
        opt('api_v2', 'true'),
        opt('api_v1', 'false', 'Glance removed the v1 API in Rocky'),
        opt(
          'import_image',
          bool(image.importImage),
          'interoperable image import (glance-direct in GET /v2/info/import)',
        ),
        opt(
          'os_glance_reserved',
          bool(image.osGlanceReserved),
          'os_glance_* properties refused from users',
        ),
        opt('manage_locations', 'false', 'no show_multiple_locations, no http store'),
      ],
    },
  ];
}

function volumeSections(volume: VolumeSettings, buildTimeout: string): IniSection[] {
  return [
    {
      name: 'volume',
      options: [
        opt('catalog_type', volume.catalogType, 'the first block-storage type in the catalog'),
        ...(volume.maxMicroversion
          ? [
              opt(
                'max_microversion',
                volume.maxMicroversion,
                "the v3 'version' of the service's version document",
              ),
            ]
          : []),
        opt('volume_size', '1'),
        opt('build_timeout', buildTimeout),
        ...(volume.backendNames.length > 0
          ? [
              opt(
                'backend_names',
                volume.backendNames.join(','),
                'volume_backend_name of the pools',
              ),
            ]
          : []),
        opt(
          'storage_protocol',
          volume.storageProtocol,
          "the first pool's: volume types with it in their extra specs must be schedulable",
        ),
        opt('vendor_name', volume.vendorName),
      ],
    },
    {
      name: 'volume-feature-enabled',
      options: [
        opt('backup', bool(volume.backup)),
        opt('snapshot', bool(volume.snapshot)),
        opt('clone', bool(volume.clone)),
        opt(
          'multi_backend',
          bool(volume.multiBackend),
          'two or more backend names among the pools',
        ),
        opt('manage_volume', 'false', 'no volumes outside the service to manage'),
        opt('manage_snapshot', 'false'),
        opt('extend_attached_volume', 'false', 'needs a compute service'),
        opt('extend_attached_encrypted_volume', 'false'),
        opt(
          'api_extensions',
          volume.apiExtensions.join(','),
          "the real Cinder's aliases; test_list_extensions checks the first is listed",
        ),
      ],
    },
  ];
}

/** `identity.user_lockout_duration=10` -> { section: 'identity', key: ..., value: '10' } */
export function parseOverride(text: string): ConfOverride {
  const match = /^([^.=\s][^=]*)\.([^.=\s]+)=(.*)$/.exec(text.trim());
  if (!match) throw new Error(`override "${text}" is not section.option=value`);
  return {
    section: match[1] as string,
    key: match[2] as string,
    value: (match[3] as string).trim(),
  };
}

/** Sets (or adds) each option; overrides come last so a caller can correct any value. */
export function applyOverrides(
  sections: readonly IniSection[],
  overrides: readonly ConfOverride[],
): IniSection[] {
  const result = sections.map((s) => ({ name: s.name, options: s.options.map((o) => ({ ...o })) }));
  for (const o of overrides) {
    let section = result.find((s) => s.name === o.section);
    if (!section) {
      section = { name: o.section, options: [] };
      result.push(section);
    }
    const existing = section.options.find((opt) => opt.key === o.key);
    if (existing) {
      existing.value = o.value;
      existing.why = 'overridden by --set';
    } else {
      section.options.push(opt(o.key, o.value, 'added by --set'));
    }
  }
  return result;
}

export function renderIni(sections: readonly IniSection[], header: string): string {
  const out: string[] = header.split('\n').map((line) => `# ${line}`);
  for (const section of sections) {
    out.push('', `[${section.name}]`);
    for (const option of section.options) {
      if (option.why) out.push(`# ${option.why}`);
      out.push(`${option.key} = ${option.value}`);
    }
  }
  return `${out.join('\n')}\n`;
}
