import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { DEFAULT_DOMAIN_ID } from '../ids.ts';
import {
  configOptions,
  deleteConfigOptions,
  upsertConfigOptions,
} from '../store/domain-configs.ts';
import {
  assertValidConfig,
  assertValidGroupAndOption,
  defaultConfig,
  domainConfigNotFound,
  invalidDomainConfig,
  SECURITY_COMPLIANCE,
  securityComplianceConfig,
  toConfig,
  toOptionList,
  type DomainConfig,
} from './domain-config-options.ts';
import { requireDomain } from './project-common.ts';

/**
 * The domain configuration API (/v3/domains/{domain_id}/config...), stored in the
 * database as Keystone does with domain_configurations_from_database. Only stored and
 * served: see domain-config-options.ts. Served only while that option is on.
 */

const ConfigBody = Type.Object({ config: Type.Optional(Type.Unknown()) });
const DomainParams = Type.Object({ domain_id: Type.String() });
const GroupParams = Type.Object({ domain_id: Type.String(), group: Type.String() });
const OptionParams = Type.Object({
  domain_id: Type.String(),
  group: Type.String(),
  option: Type.String(),
});
const DefaultGroupParams = Type.Object({ group: Type.String() });
const DefaultOptionParams = Type.Object({ group: Type.String(), option: Type.String() });

interface Where {
  readonly domain_id: string;
  readonly group?: string;
  readonly option?: string;
}

async function readConfig(env: IdentityEnv, where: Where) {
  const { group, option } = where;
  const domain = await requireDomain(env, where.domain_id);
  assertValidGroupAndOption(group, option);
  const options = await configOptions(env.db, domain.id, { group, option, sensitive: false });
  if (options.length === 0) throw domainConfigNotFound(domain.id, group, option);
  return { config: toConfig(options, option) };
}

/** Keystone's rules for a partial update: it names exactly the group (and option) of the URL, which must exist. */
async function checkPartialUpdate(
  env: IdentityEnv,
  domainId: string,
  config: DomainConfig,
  group: string,
  option?: string,
) {
  const groups = Object.keys(config);
  if (
    groups.length !== 1 ||
    (option !== undefined && Object.keys(config[groups[0]!]!).length !== 1)
  ) {
    throw invalidDomainConfig(
      option !== undefined
        ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
        : `Trying to update group ${group}, so that, and only that, group must be specified in the config`,
    );
  }
  if (!Object.hasOwn(config, group)) {
    throw invalidDomainConfig(
      `request to update group ${group}, but config provided contains group ${groups[0]} instead`,
    );
  }
  if (option !== undefined && !Object.hasOwn(config[group]!, option)) {
    throw invalidDomainConfig(
      `Trying to update option ${option} in group ${group}, but config provided contains option ${Object.keys(config[group]!)[0]} instead`,
    );
  }
  if ((await configOptions(env.db, domainId, { group, option, sensitive: 'all' })).length === 0) {
    throw domainConfigNotFound(domainId, group, option);
  }
}

async function updateConfig(env: IdentityEnv, where: Where, body: unknown) {
  const { group, option } = where;
  const domain = await requireDomain(env, where.domain_id);
  // For one option the body is {option: value}: it is read as that option of the URL's group.
  const config: unknown = group !== undefined && option !== undefined ? { [group]: body } : body;
  assertValidConfig(config);
  assertValidGroupAndOption(group, option);
  if (group !== undefined) await checkPartialUpdate(env, domain.id, config, group, option);
  await env.db
    .transaction()
    .execute((trx) => upsertConfigOptions(trx, domain.id, toOptionList(config)));
  return readConfig(env, { domain_id: domain.id });
}

async function deleteConfig(env: IdentityEnv, where: Where) {
  const { group, option } = where;
  const domain = await requireDomain(env, where.domain_id);
  assertValidGroupAndOption(group, option);
  if (group !== undefined) {
    const stored = await configOptions(env.db, domain.id, { group, sensitive: 'all' });
    if (stored.length === 0) throw domainConfigNotFound(domain.id, group);
    if (option !== undefined && !stored.some((o) => o.option === option)) {
      throw domainConfigNotFound(domain.id, group, option);
    }
  }
  await deleteConfigOptions(env.db, domain.id, group, option);
  return undefined;
}

/** The GET, PATCH and DELETE routes of one level (whole config, group, option). */
function levelRoutes(
  env: IdentityEnv,
  url: string,
  params: typeof DomainParams | typeof GroupParams | typeof OptionParams,
): RouteSpec[] {
  const where = (call: ApiCall) => call.params as unknown as Where;
  return [
    defineRoute({
      method: 'GET',
      url,
      policy: 'identity:get_domain_config',
      schema: { params },
      handler: (call) => readConfig(env, where(call)),
    }),
    defineRoute({
      method: 'PATCH',
      url,
      policy: 'identity:update_domain_config',
      schema: { params, body: ConfigBody },
      handler: (call) => updateConfig(env, where(call), call.body.config),
    }),
    defineRoute({
      method: 'DELETE',
      url,
      policy: 'identity:delete_domain_config',
      schema: { params },
      status: 204,
      handler: (call) => deleteConfig(env, where(call)),
    }),
  ];
}

/** The password rules readable by anyone, for the default domain only. */
function securityComplianceRoute(env: IdentityEnv, url: string): RouteSpec {
  return defineRoute({
    method: 'GET',
    url,
    policy: 'identity:get_security_compliance_domain_config',
    schema: {
      params: Type.Object({ domain_id: Type.String(), option: Type.Optional(Type.String()) }),
    },
    handler(call) {
      if (call.params.domain_id !== DEFAULT_DOMAIN_ID) {
        throw invalidDomainConfig(
          'Reading security compliance information for any domain other than the default domain is not allowed or supported.',
        );
      }
      return { config: securityComplianceConfig(env.settings, call.params.option) };
    },
  });
}

export function domainConfigRoutes(env: IdentityEnv): RouteSpec[] {
  if (!env.settings.domain_configurations_from_database) return [];
  const base = '/v3/domains/:domain_id/config';
  return [
    defineRoute({
      method: 'PUT',
      url: base,
      policy: 'identity:create_domain_config',
      schema: { params: DomainParams, body: ConfigBody },
      status: 201,
      async handler(call) {
        const domain = await requireDomain(env, call.params.domain_id);
        const config = call.body.config;
        assertValidConfig(config);
        const existed = (await configOptions(env.db, domain.id, { sensitive: 'all' })).length > 0;
        // A create replaces any configuration the domain had.
        await env.db.transaction().execute(async (trx) => {
          await deleteConfigOptions(trx, domain.id);
          await upsertConfigOptions(trx, domain.id, toOptionList(config));
        });
        const stored = await configOptions(env.db, domain.id, { sensitive: false });
        const body = { config: toConfig(stored) };
        if (!existed) return body;
        return call.reply.code(200).send(body);
      },
    }),
    ...levelRoutes(env, base, DomainParams),
    ...levelRoutes(env, `${base}/:group`, GroupParams),
    ...levelRoutes(env, `${base}/:group/:option`, OptionParams),
    securityComplianceRoute(env, `${base}/${SECURITY_COMPLIANCE}`),
    securityComplianceRoute(env, `${base}/${SECURITY_COMPLIANCE}/:option`),
    defineRoute({
      method: 'GET',
      url: '/v3/domains/config/default',
      policy: 'identity:get_domain_config_default',
      handler: () => ({ config: defaultConfig(env.settings) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/domains/config/:group/default',
      policy: 'identity:get_domain_config_default',
      schema: { params: DefaultGroupParams },
      handler: (call) => ({ config: defaultConfig(env.settings, call.params.group) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/domains/config/:group/:option/default',
      policy: 'identity:get_domain_config_default',
      schema: { params: DefaultOptionParams },
      handler: (call) => ({
        config: defaultConfig(env.settings, call.params.group, call.params.option),
      }),
    }),
  ];
}
