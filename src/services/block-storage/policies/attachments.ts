import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/**
 * Attachments (3.27+) and the legacy attach actions on POST /volumes/{id}/action, under
 * Cinder's rule names (attachments.py and the attach half of volume_actions.py).
 */
export const attachmentsPolicies: readonly PolicyDefault[] = [
  rule(
    'volume:attachment_create',
    ANYONE,
    'POST /attachments (the volume must also pass volume:get)',
  ),
  rule('volume:attachment_update', ADMIN_OR_OWNER, 'PUT /attachments/{attachment_id}'),
  rule('volume:attachment_delete', ADMIN_OR_OWNER, 'DELETE /attachments/{attachment_id}'),
  rule(
    'volume:attachment_complete',
    ADMIN_OR_OWNER,
    'POST /attachments/{attachment_id}/action (os-complete)',
  ),
  rule(
    'volume:multiattach_bootable_volume',
    ADMIN_OR_OWNER,
    'POST /attachments of a bootable multiattach volume that is already in use',
  ),
  rule(
    'volume_extension:volume_actions:reserve',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-reserve)',
  ),
  rule(
    'volume_extension:volume_actions:unreserve',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-unreserve)',
  ),
  rule(
    'volume_extension:volume_actions:begin_detaching',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-begin_detaching)',
  ),
  rule(
    'volume_extension:volume_actions:roll_detaching',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-roll_detaching)',
  ),
  rule(
    'volume_extension:volume_actions:attach',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-attach)',
  ),
  rule(
    'volume_extension:volume_actions:detach',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-detach)',
  ),
  rule(
    'volume_extension:volume_actions:initialize_connection',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-initialize_connection)',
  ),
  rule(
    'volume_extension:volume_actions:terminate_connection',
    ADMIN_OR_OWNER,
    'POST /volumes/{volume_id}/action (os-terminate_connection)',
  ),
  rule(
    'volume_extension:volume_admin_actions:force_detach',
    ADMIN_API,
    'POST /volumes/{volume_id}/action (os-force_detach)',
  ),
];
