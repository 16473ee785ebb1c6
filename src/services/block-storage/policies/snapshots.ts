import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** Snapshots, their metadata and admin actions, under Cinder's rule names. */
export const snapshotsPolicies: readonly PolicyDefault[] = [
  rule('volume:get_all_snapshots', ADMIN_OR_OWNER, 'GET /snapshots, GET /snapshots/detail'),
  rule(
    'volume_extension:extended_snapshot_attributes',
    ADMIN_OR_OWNER,
    'Show os-extended-snapshot-attributes (project_id, progress) in GET /snapshots/{id} and /snapshots/detail.',
  ),
  rule('volume:create_snapshot', ADMIN_OR_OWNER, 'POST /snapshots'),
  rule('volume:get_snapshot', ADMIN_OR_OWNER, 'GET /snapshots/{snapshot_id}'),
  rule('volume:update_snapshot', ADMIN_OR_OWNER, 'PUT /snapshots/{snapshot_id}'),
  rule('volume:delete_snapshot', ADMIN_OR_OWNER, 'DELETE /snapshots/{snapshot_id}'),
  rule(
    'volume:get_snapshot_metadata',
    ADMIN_OR_OWNER,
    'GET /snapshots/{snapshot_id}/metadata[/{key}]',
  ),
  rule(
    'volume:update_snapshot_metadata',
    ADMIN_OR_OWNER,
    'POST and PUT /snapshots/{snapshot_id}/metadata[/{key}]',
  ),
  rule(
    'volume:delete_snapshot_metadata',
    ADMIN_OR_OWNER,
    'DELETE /snapshots/{snapshot_id}/metadata/{key}',
  ),
  rule(
    'volume_extension:snapshot_admin_actions:reset_status',
    ADMIN_API,
    'POST /snapshots/{snapshot_id}/action (os-reset_status)',
  ),
  rule(
    'volume_extension:snapshot_admin_actions:force_delete',
    ADMIN_API,
    'POST /snapshots/{snapshot_id}/action (os-force_delete)',
  ),
  rule(
    'snapshot_extension:snapshot_actions:update_snapshot_status',
    ADMIN_OR_OWNER,
    'POST /snapshots/{snapshot_id}/action (os-update_snapshot_status)',
  ),
  rule('snapshot_extension:snapshot_manage', ADMIN_API, 'POST /manageable_snapshots'),
  rule(
    'snapshot_extension:snapshot_unmanage',
    ADMIN_API,
    'POST /snapshots/{snapshot_id}/action (os-unmanage)',
  ),
  rule('snapshot_extension:list_manageable', ADMIN_API, 'GET /manageable_snapshots[/detail]'),
];
