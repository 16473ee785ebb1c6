import { ApiError } from '../../../core/errors/index.ts';
import type { IdentitySettings } from '../env.ts';
import type { DomainConfigOption } from '../store/domain-configs.ts';

/**
 * What a domain-specific configuration may hold, as Keystone defines it: the identity
 * driver options and the LDAP options, listed one by one so a new LDAP option is never
 * exposed by accident; `ldap.password` is stored but never returned.
 *
 * strata stores and serves these documents only. It has no LDAP identity driver, so a
 * domain configured with `identity.driver = ldap` still keeps its users in SQL; the API
 * exists so tools that manage domain configuration (and Tempest) work unchanged.
 */

/** A configuration document: group -> option -> value. */
export type DomainConfig = Record<string, Record<string, unknown>>;

/** Keystone's defaults for the whitelisted options (keystone.conf [identity] and [ldap]). */
const LDAP_DEFAULTS: Readonly<Record<string, unknown>> = {
  url: 'ldap://localhost',
  user: null,
  suffix: 'cn=example,cn=com',
  query_scope: 'one',
  page_size: 0,
  alias_dereferencing: 'default',
  debug_level: null,
  chase_referrals: null,
  user_tree_dn: null,
  user_filter: null,
  user_objectclass: 'inetOrgPerson',
  user_id_attribute: 'cn',
  user_name_attribute: 'sn',
  user_mail_attribute: 'mail',
  user_description_attribute: 'description',
  user_pass_attribute: 'userPassword',
  user_enabled_attribute: 'enabled',
  user_enabled_invert: false,
  user_enabled_mask: 0,
  user_enabled_default: 'True',
  user_attribute_ignore: ['default_project_id'],
  user_default_project_id_attribute: null,
  user_enabled_emulation: false,
  user_enabled_emulation_dn: null,
  user_enabled_emulation_use_group_config: false,
  user_additional_attribute_mapping: [],
  group_tree_dn: null,
  group_filter: null,
  group_objectclass: 'groupOfNames',
  group_id_attribute: 'cn',
  group_name_attribute: 'ou',
  group_members_are_ids: false,
  group_member_attribute: 'member',
  group_desc_attribute: 'description',
  group_attribute_ignore: [],
  group_additional_attribute_mapping: [],
  tls_cacertfile: null,
  tls_cacertdir: null,
  use_tls: false,
  tls_req_cert: 'demand',
  use_pool: true,
  pool_size: 10,
  pool_retry_max: 3,
  pool_retry_delay: 0.1,
  pool_connection_timeout: -1,
  pool_connection_lifetime: 600,
  use_auth_pool: true,
  auth_pool_size: 100,
  auth_pool_connection_lifetime: 60,
};

const WHITELISTED: Readonly<Record<string, readonly string[]>> = {
  identity: ['driver', 'list_limit'],
  ldap: Object.keys(LDAP_DEFAULTS),
};

const SENSITIVE: Readonly<Record<string, readonly string[]>> = {
  identity: [],
  ldap: ['password'],
};

/** The group served read-only from the service's own settings, for the default domain only. */
export const SECURITY_COMPLIANCE = 'security_compliance';
const READABLE_COMPLIANCE = ['password_regex', 'password_regex_description'] as const;

export const invalidDomainConfig = (reason: string) =>
  new ApiError(
    403,
    'identity.invalid_domain_config',
    `Invalid domain specific configuration: ${reason}.`,
  );

export const domainConfigNotFound = (domainId: string, group?: string, option?: string) =>
  new ApiError(
    404,
    'identity.domain_config_not_found',
    `Could not find ${option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options'} in domain configuration for domain ${domainId}.`,
  );

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A group (and option) the API supports, or 403 as in Keystone. */
export function assertValidGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return;
  const allowed = WHITELISTED[group];
  if (!Object.hasOwn(WHITELISTED, group) || !allowed) {
    throw invalidDomainConfig(`Group ${group} is not supported for domain specific configurations`);
  }
  if (option !== undefined && !allowed.includes(option) && !SENSITIVE[group]!.includes(option)) {
    throw invalidDomainConfig(
      `Option ${option} in group ${group} is not supported for domain specific configurations`,
    );
  }
}

/** A request document: non-empty, groups of options, every option supported. */
export function assertValidConfig(config: unknown): asserts config is DomainConfig {
  if (!isPlainObject(config) || Object.keys(config).length === 0)
    throw invalidDomainConfig('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!isPlainObject(options) || Object.keys(options).length === 0) {
      throw invalidDomainConfig(
        `The value of group ${group} specified in the config should be a dictionary of options`,
      );
    }
    for (const option of Object.keys(options)) assertValidGroupAndOption(group, option);
  }
}

export function toOptionList(config: DomainConfig): DomainConfigOption[] {
  return Object.entries(config).flatMap(([group, options]) =>
    Object.entries(options).map(([option, value]) => ({
      group,
      option,
      value,
      sensitive: SENSITIVE[group]?.includes(option) ?? false,
    })),
  );
}

/** Options as a document; a request for one option answers `{option: value}` without its group. */
export function toConfig(
  options: readonly Pick<DomainConfigOption, 'group' | 'option' | 'value'>[],
  option?: string,
) {
  if (option !== undefined) {
    const found = options.find((o) => o.option === option);
    return found ? { [option]: found.value } : {};
  }
  const config: DomainConfig = {};
  for (const o of options) (config[o.group] ??= {})[o.option] = o.value;
  return config;
}

/** GET /v3/domains/config/default[...]: Keystone's defaults for whitelisted options. */
export function defaultConfig(
  settings: Pick<IdentitySettings, 'list_limit'>,
  group?: string,
  option?: string,
) {
  assertValidGroupAndOption(group, option);
  if (group !== undefined && option !== undefined && !WHITELISTED[group]!.includes(option)) {
    throw invalidDomainConfig(
      `Reading the default for option ${option} in group ${group} is not supported`,
    );
  }
  const value = (g: string, o: string): unknown =>
    g === 'identity' ? (o === 'driver' ? 'sql' : settings.list_limit || null) : LDAP_DEFAULTS[o];
  const groups = group === undefined ? Object.keys(WHITELISTED) : [group];
  const list = groups.flatMap((g) =>
    WHITELISTED[g]!.filter((o) => option === undefined || o === option).map((o) => ({
      group: g,
      option: o,
      value: value(g, o),
    })),
  );
  return toConfig(list, option);
}

/** GET /v3/domains/{default}/config/security_compliance[/{option}]: the password rules in force. */
export function securityComplianceConfig(
  settings: Pick<IdentitySettings, 'password_regex' | 'password_regex_description'>,
  option?: string,
) {
  if (option !== undefined && !(READABLE_COMPLIANCE as readonly string[]).includes(option)) {
    throw invalidDomainConfig(
      'Reading security compliance values other than password_regex and password_regex_description is not allowed',
    );
  }
  const list = READABLE_COMPLIANCE.filter((o) => option === undefined || o === option).map((o) => ({
    group: SECURITY_COMPLIANCE,
    option: o,
    // Unset options read as null, as Keystone prints an unset oslo.config option.
    value: settings[o] || null,
  }));
  return toConfig(list, option);
}
