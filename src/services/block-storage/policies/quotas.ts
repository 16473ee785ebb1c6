import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** Quota sets, quota classes and limits (quotas.py, quota_class.py, limits.py). */
export const quotasPolicies: readonly PolicyDefault[] = [
  rule(
    'volume_extension:quotas:show',
    ADMIN_OR_OWNER,
    'GET /os-quota-sets/{project_id}[/defaults]',
  ),
  rule('volume_extension:quotas:update', ADMIN_API, 'PUT /os-quota-sets/{project_id}'),
  rule('volume_extension:quotas:delete', ADMIN_API, 'DELETE /os-quota-sets/{project_id}'),
  rule('volume_extension:quota_classes:get', ADMIN_API, 'GET /os-quota-class-sets/{class_name}'),
  rule('volume_extension:quota_classes:update', ADMIN_API, 'PUT /os-quota-class-sets/{class_name}'),
  rule('volume_extension:limits:index', ANYONE, 'GET /limits (strata name: Cinder checks no rule)'),
  rule(
    'limits_extension:used_limits',
    ADMIN_OR_OWNER,
    'Show the used resources (totalVolumesUsed ...) in GET /limits.',
  ),
];
