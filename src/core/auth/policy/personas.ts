/**
 * The persona rules every service registers alongside its own defaults, defined once here
 * so "admin", "member" and "reader" mean the same thing in every API.
 *
 * How the personas relate: identity defines the implied roles admin -> member -> reader
 * (and admin -> manager -> member in newer Keystone), and tokens carry the *effective*
 * roles with implications already expanded. So an admin's creds.roles holds admin, member
 * and reader, and `role:reader` passes for all three personas; the engine never reasons
 * about implication itself, it only sees the names in creds.roles.
 *
 * Scope picks where a role counts: `system_scope:all` for the whole deployment, otherwise
 * the token's project (`project_id` compared with the target's). Services whose upstream
 * policy uses other names for the same personas (Nova's `project_reader_api`, Neutron's
 * `admin_only`) register those names as aliases in their own policies.ts, e.g.
 * `{ name: 'project_reader_api', check: 'rule:project_reader' }`, so operators' files that
 * override the upstream names keep working.
 */
import type { PolicyDefault } from './enforcer.ts';

/** References to the persona rules, for composing service defaults. */
export const persona = {
  admin: 'rule:admin_required',
  service: 'rule:service_role',
  serviceOrAdmin: 'rule:service_or_admin',
  adminOrOwner: 'rule:admin_or_owner',
  systemAdmin: 'rule:system_admin',
  systemReader: 'rule:system_reader',
  projectAdmin: 'rule:project_admin',
  projectMember: 'rule:project_member',
  projectReader: 'rule:project_reader',
} as const;

export const personaPolicies: readonly PolicyDefault[] = [
  {
    name: 'admin_required',
    check: 'role:admin',
    description: 'Holds the admin role on the scope of the token (cloud administrator).',
  },
  {
    name: 'context_is_admin',
    check: 'rule:admin_required',
    description: 'Same as admin_required, under the name Nova, Neutron, Cinder and Glance use.',
  },
  {
    name: 'service_role',
    check: 'role:service',
    description: 'An OpenStack service calling another one with its service user.',
  },
  {
    name: 'service_or_admin',
    check: 'rule:admin_required or rule:service_role',
    description: 'A cloud administrator or a service user.',
  },
  {
    name: 'admin_or_owner',
    check: 'rule:admin_required or project_id:%(project_id)s',
    description: 'A cloud administrator, or any role on the project that owns the target.',
  },
  {
    name: 'system_admin',
    check: 'role:admin and system_scope:all',
    description: 'Admin on a system-scoped token.',
  },
  {
    name: 'system_reader',
    check: 'role:reader and system_scope:all',
    description: 'Reader (or any persona implying it) on a system-scoped token.',
  },
  {
    name: 'project_admin',
    check: 'role:admin and project_id:%(project_id)s',
    description: 'Admin on the project that owns the target.',
  },
  {
    name: 'project_member',
    check: 'role:member and project_id:%(project_id)s',
    description: 'Member (or admin) on the project that owns the target.',
  },
  {
    name: 'project_reader',
    check: 'role:reader and project_id:%(project_id)s',
    description: 'Reader (or member, or admin) on the project that owns the target.',
  },
];

/** Joins checks with `or`, parenthesized so the result composes safely. */
export function anyOf(...checks: readonly string[]): string {
  return checks.map(parenthesize).join(' or ');
}

/** Joins checks with `and`, parenthesized so the result composes safely. */
export function allOf(...checks: readonly string[]): string {
  return checks.map(parenthesize).join(' and ');
}

/** An empty check string means "always"; `()` would not parse. */
function parenthesize(check: string): string {
  return check.trim() === '' ? '@' : `(${check})`;
}
