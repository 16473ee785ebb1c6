import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** Backups and their admin actions, under Cinder's rule names. */
export const backupsPolicies: readonly PolicyDefault[] = [
  rule('backup:get_all', ADMIN_OR_OWNER, 'GET /backups, GET /backups/detail'),
  rule(
    'backup:backup_project_attribute',
    ADMIN_API,
    'Show os-backup-project-attr:project_id (3.18) and user_id (3.56) in GET /backups/{id} and /backups/detail.',
  ),
  rule('backup:create', ADMIN_OR_OWNER, 'POST /backups'),
  rule('backup:get', ADMIN_OR_OWNER, 'GET /backups/{backup_id}'),
  rule('backup:update', ADMIN_OR_OWNER, 'PUT /backups/{backup_id}'),
  rule('backup:delete', ADMIN_OR_OWNER, 'DELETE /backups/{backup_id}'),
  rule('backup:restore', ADMIN_OR_OWNER, 'POST /backups/{backup_id}/restore'),
  rule('backup:backup-import', ADMIN_API, 'POST /backups/import_record'),
  rule('backup:export-import', ADMIN_API, 'GET /backups/{backup_id}/export_record'),
  rule(
    'volume_extension:backup_admin_actions:reset_status',
    ADMIN_API,
    'POST /backups/{backup_id}/action (os-reset_status)',
  ),
  rule(
    'volume_extension:backup_admin_actions:force_delete',
    ADMIN_API,
    'POST /backups/{backup_id}/action (os-force_delete)',
  ),
];
