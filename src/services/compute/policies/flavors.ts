import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, rule } from './nova-checks.ts';

/** Flavor management, access lists and extra specs (nova/policies/flavor_*.py). Listing and showing flavors has no rule upstream. */
export const flavorPolicies: readonly PolicyDefault[] = [
  rule('os_compute_api:os-flavor-manage:create', ADMIN_API, 'POST', '/flavors', 'Create a flavor.'),
  rule(
    'os_compute_api:os-flavor-manage:update',
    ADMIN_API,
    'PUT',
    '/flavors/{flavor_id}',
    'Update a flavor (description, 2.55).',
  ),
  rule(
    'os_compute_api:os-flavor-manage:delete',
    ADMIN_API,
    'DELETE',
    '/flavors/{flavor_id}',
    'Delete a flavor.',
  ),
  rule(
    'os_compute_api:os-flavor-access',
    ADMIN_API,
    'GET',
    '/flavors/{flavor_id}/os-flavor-access',
    'List the projects that may use a private flavor.',
  ),
  rule(
    'os_compute_api:os-flavor-access:add_tenant_access',
    ADMIN_API,
    'POST',
    '/flavors/{flavor_id}/action (addTenantAccess)',
    'Give a project access to a private flavor.',
  ),
  rule(
    'os_compute_api:os-flavor-access:remove_tenant_access',
    ADMIN_API,
    'POST',
    '/flavors/{flavor_id}/action (removeTenantAccess)',
    "Take a project's access to a private flavor away.",
  ),
  rule(
    'os_compute_api:os-flavor-extra-specs:index',
    ADMIN_OR_OWNER,
    'GET',
    '/flavors/{flavor_id}/os-extra_specs',
    "List a flavor's extra specs; also whether flavor views show extra_specs (2.61).",
  ),
  rule(
    'os_compute_api:os-flavor-extra-specs:show',
    ADMIN_OR_OWNER,
    'GET',
    '/flavors/{flavor_id}/os-extra_specs/{key}',
    'Show one extra spec.',
  ),
  rule(
    'os_compute_api:os-flavor-extra-specs:create',
    ADMIN_API,
    'POST',
    '/flavors/{flavor_id}/os-extra_specs',
    'Create or update extra specs.',
  ),
  rule(
    'os_compute_api:os-flavor-extra-specs:update',
    ADMIN_API,
    'PUT',
    '/flavors/{flavor_id}/os-extra_specs/{key}',
    'Update one extra spec.',
  ),
  rule(
    'os_compute_api:os-flavor-extra-specs:delete',
    ADMIN_API,
    'DELETE',
    '/flavors/{flavor_id}/os-extra_specs/{key}',
    'Delete one extra spec.',
  ),
];
