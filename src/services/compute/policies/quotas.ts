import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE, rule } from './nova-checks.ts';

/** Quota sets, quota classes and limits (nova/policies/quota_sets.py, quota_class_sets.py, limits.py). */
export const quotaPolicies: readonly PolicyDefault[] = [
  rule(
    'os_compute_api:os-quota-sets:show',
    ADMIN_OR_OWNER,
    'GET',
    '/os-quota-sets/{tenant_id}',
    "Show a project's quotas.",
  ),
  rule(
    'os_compute_api:os-quota-sets:detail',
    ADMIN_OR_OWNER,
    'GET',
    '/os-quota-sets/{tenant_id}/detail',
    "Show a project's quotas with usage.",
  ),
  rule(
    'os_compute_api:os-quota-sets:defaults',
    ANYONE,
    'GET',
    '/os-quota-sets/{tenant_id}/defaults',
    'Show the default quotas.',
  ),
  rule(
    'os_compute_api:os-quota-sets:update',
    ADMIN_API,
    'PUT',
    '/os-quota-sets/{tenant_id}',
    "Set a project's (or a user's) quotas.",
  ),
  rule(
    'os_compute_api:os-quota-sets:delete',
    ADMIN_API,
    'DELETE',
    '/os-quota-sets/{tenant_id}',
    "Revert a project's quotas to the defaults.",
  ),
  rule(
    'os_compute_api:os-quota-class-sets:show',
    `${ADMIN_API} or quota_class:%(quota_class)s`,
    'GET',
    '/os-quota-class-sets/{quota_class}',
    'Show a quota class.',
  ),
  rule(
    'os_compute_api:os-quota-class-sets:update',
    ADMIN_API,
    'PUT',
    '/os-quota-class-sets/{quota_class}',
    'Set a quota class (the `default` class sets the defaults).',
  ),
  rule(
    'os_compute_api:limits',
    ANYONE,
    'GET',
    '/limits',
    "Show the caller's absolute limits and usage.",
  ),
  rule(
    'os_compute_api:limits:other_project',
    ADMIN_API,
    'GET',
    '/limits?tenant_id={project}',
    "Show another project's limits.",
  ),
];
