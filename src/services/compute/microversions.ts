import { inRange, type ApiCall } from '../../core/http/index.ts';

/**
 * The compute API's microversions. 2.90 is served: every change up to it that touches what
 * this service implements is honoured (listed below); resources not built yet answer 404
 * at every version, as Nova answers for an unknown URL. Changes past 2.90 (2.91 unshelve
 * to a host, 2.92 keypair import only, 2.93 volume-backed rebuild) are not served.
 */
export const MIN_MICROVERSION = '2.1';
export const MAX_MICROVERSION = '2.90';

/**
 * The versions at which something this service implements changed, named so views and
 * route declarations say which change they follow instead of comparing bare numbers.
 */
export const CHANGES = {
  /** keypairs: `type` (ssh, x509); create answers 201, delete 204. */
  keypairType: '2.2',
  /** flavor access: adding a project to a public flavor is a 409. */
  publicFlavorAccessConflict: '2.7',
  /** keypairs: admins act for another user with `user_id`. */
  keypairUserId: '2.10',
  /** server groups: `project_id` and `user_id` in the view. */
  serverGroupOwner: '2.13',
  /** server groups: soft-affinity and soft-anti-affinity policies. */
  softServerGroupPolicies: '2.15',
  /** keypairs: list pagination with limit and marker. */
  keypairPagination: '2.35',
  /** quota sets and limits: network proxy quotas (floating IPs, security groups ...) gone. */
  networkQuotasRemoved: '2.36',
  /** limits: maxImageMeta gone with the image proxy API. */
  imageMetaLimitRemoved: '2.39',
  /** quota class sets: server_groups and server_group_members shown, network ones gone. */
  quotaClassServerGroups: '2.50',
  /** flavors: `description`, and PUT /flavors/{id} to change it. */
  flavorDescription: '2.55',
  /** quota sets, quota classes and limits: injected file quotas (personality) gone. */
  personalityRemoved: '2.57',
  /** flavors: `extra_specs` in the flavor view. */
  flavorExtraSpecsInView: '2.61',
  /** server groups: one `policy` with `rules` replaces the `policies` list. */
  serverGroupPolicyRules: '2.64',
  /** flavors: `swap` is 0 rather than "" when a flavor has none. */
  flavorSwapZero: '2.75',
  /** flavor extra specs: names and values of known namespaces are validated. */
  extraSpecValidation: '2.86',
} as const;

/** Whether the call's negotiated microversion includes the change that arrived at `version`. */
export function since(call: Pick<ApiCall, 'microversion'>, version: string): boolean {
  return call.microversion !== undefined && inRange(call.microversion, version);
}

/** A route declaration's range: from `min` up to, not including, `until`. */
export function versionRange(
  min: string | undefined,
  until: string | undefined,
): { min?: string; max?: string } {
  const range: { min?: string; max?: string } = {};
  if (min !== undefined) range.min = min;
  if (until !== undefined) {
    const [major, minor] = until.split('.').map(Number) as [number, number];
    range.max = `${major}.${minor - 1}`;
  }
  return range;
}
