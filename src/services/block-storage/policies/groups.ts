import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/**
 * Generic volume groups, group types with their specs, and group snapshots (groups.py,
 * group_actions.py, group_types.py, group_snapshots.py, group_snapshot_actions.py).
 */
export const groupsPolicies: readonly PolicyDefault[] = [
  rule(
    'group:group_types:get_all',
    ANYONE,
    'GET /group_types (strata name: Cinder checks no rule)',
  ),
  rule(
    'group:group_types:get',
    ANYONE,
    'GET /group_types/{group_type_id} (strata name: Cinder checks no rule)',
  ),
  rule('group:group_types:create', ADMIN_API, 'POST /group_types'),
  rule('group:group_types:update', ADMIN_API, 'PUT /group_types/{group_type_id}'),
  rule('group:group_types:delete', ADMIN_API, 'DELETE /group_types/{group_type_id}'),
  rule(
    'group:access_group_types_specs',
    ADMIN_API,
    'Show group_specs in GET /group_types and /group_types/{group_type_id}.',
  ),
  rule(
    'group:group_types_specs:get',
    ADMIN_API,
    'GET /group_types/{group_type_id}/group_specs/{key}',
  ),
  rule(
    'group:group_types_specs:get_all',
    ADMIN_API,
    'GET /group_types/{group_type_id}/group_specs',
  ),
  rule(
    'group:group_types_specs:create',
    ADMIN_API,
    'POST /group_types/{group_type_id}/group_specs',
  ),
  rule(
    'group:group_types_specs:update',
    ADMIN_API,
    'PUT /group_types/{group_type_id}/group_specs/{key}',
  ),
  rule(
    'group:group_types_specs:delete',
    ADMIN_API,
    'DELETE /group_types/{group_type_id}/group_specs/{key}',
  ),
  rule('group:get_all', ADMIN_OR_OWNER, 'GET /groups, GET /groups/detail'),
  rule('group:create', ANYONE, 'POST /groups, POST /groups/action (create-from-src)'),
  rule('group:get', ADMIN_OR_OWNER, 'GET /groups/{group_id}'),
  rule('group:update', ADMIN_OR_OWNER, 'PUT /groups/{group_id}'),
  rule('group:delete', ADMIN_OR_OWNER, 'POST /groups/{group_id}/action (delete)'),
  rule(
    'group:enable_replication',
    ADMIN_OR_OWNER,
    'POST /groups/{group_id}/action (enable_replication)',
  ),
  rule(
    'group:disable_replication',
    ADMIN_OR_OWNER,
    'POST /groups/{group_id}/action (disable_replication)',
  ),
  rule(
    'group:failover_replication',
    ADMIN_OR_OWNER,
    'POST /groups/{group_id}/action (failover_replication)',
  ),
  rule(
    'group:list_replication_targets',
    ADMIN_OR_OWNER,
    'POST /groups/{group_id}/action (list_replication_targets)',
  ),
  rule('group:reset_status', ADMIN_API, 'POST /groups/{group_id}/action (reset_status)'),
  rule('group:group_project_attribute', ADMIN_API, 'Show project_id in group views (3.58).'),
  rule(
    'group:get_all_group_snapshots',
    ADMIN_OR_OWNER,
    'GET /group_snapshots, GET /group_snapshots/detail',
  ),
  rule('group:create_group_snapshot', ANYONE, 'POST /group_snapshots'),
  rule('group:get_group_snapshot', ADMIN_OR_OWNER, 'GET /group_snapshots/{group_snapshot_id}'),
  rule(
    'group:delete_group_snapshot',
    ADMIN_OR_OWNER,
    'DELETE /group_snapshots/{group_snapshot_id}',
  ),
  rule(
    'group:reset_group_snapshot_status',
    ADMIN_API,
    'POST /group_snapshots/{group_snapshot_id}/action (reset_status)',
  ),
  rule(
    'group:group_snapshot_project_attribute',
    ADMIN_API,
    'Show project_id in group snapshot views (3.58).',
  ),
];
