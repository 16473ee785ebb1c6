import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE, rule } from './nova-checks.ts';

/** Server groups and availability zones (nova/policies/server_groups.py, availability_zone.py). */
export const serverGroupPolicies: readonly PolicyDefault[] = [
  rule(
    'os_compute_api:os-server-groups:create',
    ADMIN_OR_OWNER,
    'POST',
    '/os-server-groups',
    'Create a server group.',
  ),
  rule(
    'os_compute_api:os-server-groups:index',
    ADMIN_OR_OWNER,
    'GET',
    '/os-server-groups',
    "List the project's server groups.",
  ),
  rule(
    'os_compute_api:os-server-groups:index:all_projects',
    ADMIN_API,
    'GET',
    '/os-server-groups?all_projects=True',
    "List every project's server groups.",
  ),
  rule(
    'os_compute_api:os-server-groups:show',
    ADMIN_OR_OWNER,
    'GET',
    '/os-server-groups/{server_group_id}',
    'Show a server group.',
  ),
  rule(
    'os_compute_api:os-server-groups:delete',
    ADMIN_OR_OWNER,
    'DELETE',
    '/os-server-groups/{server_group_id}',
    'Delete a server group.',
  ),
  rule(
    'os_compute_api:os-availability-zone:list',
    ANYONE,
    'GET',
    '/os-availability-zone',
    'List availability zones.',
  ),
  rule(
    'os_compute_api:os-availability-zone:detail',
    ADMIN_API,
    'GET',
    '/os-availability-zone/detail',
    'List availability zones with their hosts and services.',
  ),
];
