import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { persona } from '../../../core/auth/policy/index.ts';
import { ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

/**
 * Cinder's admin_api is `is_admin:True or (role:admin and is_admin_project:True)`, where
 * Cinder sets is_admin from context_is_admin (role admin), so it reduces to an admin role
 * on any project: a Keystone without admin_project_name (the reference's) marks every token
 * is_admin_project as well.
 */
const ADMIN_API = persona.admin;

const rule = (name: string, check: string, description: string): PolicyDefault => ({ name, check, description });

/**
 * Volumes, their metadata and the non-attach volume actions, under Cinder's rule names
 * (volumes.py, volume_metadata.py and volume_actions.py). The attach actions' rules live
 * with the attachments (attachments.ts).
 */
export const volumesPolicies: readonly PolicyDefault[] = [
  rule('volume:create', ANYONE, 'POST /volumes'),
  rule('volume:create_from_image', ANYONE, 'POST /volumes with imageRef'),
  rule('volume:get', ADMIN_OR_OWNER, 'GET /volumes/{volume_id}'),
  rule('volume:get_all', ADMIN_OR_OWNER, 'GET /volumes, GET /volumes/detail, GET /volumes/summary'),
  rule('volume:update', ADMIN_OR_OWNER, 'PUT /volumes/{volume_id}, os-set_bootable'),
  rule('volume:delete', ADMIN_OR_OWNER, 'DELETE /volumes/{volume_id}'),
  rule('volume:force_delete', ADMIN_API, 'DELETE /volumes/{volume_id} with force=true (3.23)'),
  rule('volume_extension:volume_host_attribute', ADMIN_API, 'Show os-vol-host-attr:host in volume views.'),
  rule('volume_extension:volume_tenant_attribute', ADMIN_OR_OWNER, 'Show os-vol-tenant-attr:tenant_id in volume views.'),
  rule('volume_extension:volume_mig_status_attribute', ADMIN_API, 'Show os-vol-mig-status-attr:migstat and name_id in volume views.'),
  rule('volume:get_volume_metadata', ADMIN_OR_OWNER, 'GET /volumes/{volume_id}/metadata[/{key}]'),
  rule('volume:create_volume_metadata', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/metadata'),
  rule('volume:update_volume_metadata', ADMIN_OR_OWNER, 'PUT /volumes/{volume_id}/metadata[/{key}]'),
  rule('volume:delete_volume_metadata', ADMIN_OR_OWNER, 'DELETE /volumes/{volume_id}/metadata/{key}'),
  rule('volume_extension:volume_image_metadata:show', ADMIN_OR_OWNER, 'Show volume_image_metadata in volume views; os-show_image_metadata.'),
  rule('volume_extension:volume_image_metadata:set', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-set_image_metadata)'),
  rule('volume_extension:volume_image_metadata:remove', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-unset_image_metadata)'),
  rule('volume:extend', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-extend)'),
  rule('volume:extend_attached_volume', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-extend of an in-use volume, 3.42)'),
  rule('volume:revert_to_snapshot', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (revert, 3.40)'),
  rule('volume:retype', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-retype)'),
  rule('volume:update_readonly_flag', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-update_readonly_flag)'),
  rule('volume_extension:volume_actions:upload_image', ADMIN_OR_OWNER, 'POST /volumes/{volume_id}/action (os-volume_upload_image)'),
  rule('volume_extension:volume_actions:upload_public', ADMIN_API, 'os-volume_upload_image with visibility public (3.1)'),
  rule('volume_extension:volume_admin_actions:reset_status', ADMIN_API, 'POST /volumes/{volume_id}/action (os-reset_status)'),
  rule('volume_extension:volume_admin_actions:force_delete', ADMIN_API, 'POST /volumes/{volume_id}/action (os-force_delete)'),
  rule('volume:multiattach', ADMIN_OR_OWNER, 'Create or retype to a multiattach volume type.'),
];
