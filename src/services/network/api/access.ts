/**
 * How Neutron applies policy around a resource: a caller who may not see it gets 404 (never
 * a hint that it exists), one who sees it but may not change it gets 403; attributes have
 * their own rules (`create_network:shared`) checked when a request sets them, and
 * attributes the caller may not read (`get_network:provider:network_type`) are left out
 * of what it is shown.
 */
import { projectIdOf } from '../../../core/auth/context.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import { networkPolicies } from '../policies.ts';

const RULES = new Set(networkPolicies.map((p) => p.name));

/** Attribute rules by action and resource: `create_network` -> [['shared', 'create_network:shared'], ...]. */
function attributeRules(base: string): Array<[string, string]> {
  const prefix = `${base}:`;
  return [...RULES].filter((r) => r.startsWith(prefix)).map((r) => [r.slice(prefix.length), r]);
}

export function isAdmin(call: ApiCall): boolean {
  return call.can('context_is_admin');
}

/** The project of the caller's token ('' for a token without one). */
export function callerProject(call: ApiCall): string {
  return projectIdOf(call.ctx.auth) ?? '';
}

/**
 * Checks the rule of every attribute the request sets that has one. Nested attributes
 * (`fixed_ips:ip_address`) count when any entry of the list sets them.
 */
export function authorizeAttributes(call: ApiCall, base: string, attrs: Readonly<Record<string, unknown>>, target: Record<string, unknown>): void {
  for (const [path, rule] of attributeRules(base)) {
    const [attr, sub] = splitAttribute(path);
    if (!(attr in attrs)) continue;
    const value = attrs[attr];
    if (sub !== undefined) {
      const entries = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? [value] : [];
      if (!entries.some((e) => e !== null && typeof e === 'object' && sub in e)) continue;
    }
    call.authorize(rule, target);
  }
}

/** `binding:host_id` is one attribute; `fixed_ips:ip_address` is fixed_ips' ip_address (of any entry, or of a dict). */
function splitAttribute(path: string): [string, string | undefined] {
  for (const nested of ['fixed_ips', 'allowed_address_pairs', 'external_gateway_info']) {
    if (path.startsWith(`${nested}:`)) return [nested, path.slice(nested.length + 1)];
  }
  return [path, undefined];
}

/** Removes from a view the attributes whose get rule the caller fails. */
export function hideAttributes(call: ApiCall, base: string, view: Record<string, unknown>, target: Record<string, unknown>): Record<string, unknown> {
  for (const [attr, rule] of attributeRules(base)) {
    if (attr in view && !call.can(rule, target)) delete view[attr];
  }
  return view;
}
