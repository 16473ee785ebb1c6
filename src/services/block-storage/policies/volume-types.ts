import { anyOf, type PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** Cinder's legacy rule for default types: an admin of the cloud, or of the project concerned. */
const ADMIN_OF_PROJECT = anyOf(ADMIN_API, 'role:admin and project_id:%(project_id)s');

/**
 * Volume types, their extra specs, access lists, encryption and the per-project default
 * types (3.62), under Cinder's rule names (volume_type.py, type_extra_specs.py,
 * volume_access.py, default_types.py). Rules whose legacy default was empty stay open.
 */
export const volumeTypesPolicies: readonly PolicyDefault[] = [
  rule('volume_extension:type_get_all', ANYONE, 'GET /types'),
  rule('volume_extension:type_get', ANYONE, 'GET /types/{type_id}, GET /types/default'),
  rule('volume_extension:type_create', ADMIN_API, 'POST /types'),
  rule('volume_extension:type_update', ADMIN_API, 'PUT /types/{type_id}'),
  rule('volume_extension:type_delete', ADMIN_API, 'DELETE /types/{type_id}'),
  rule(
    'volume_extension:access_types_extra_specs',
    ADMIN_OR_OWNER,
    'Show extra_specs in GET /types and /types/{type_id}.',
  ),
  rule(
    'volume_extension:access_types_qos_specs_id',
    ADMIN_API,
    'Show qos_specs_id in GET /types and /types/{type_id}.',
  ),
  rule('volume_extension:types_extra_specs:index', ANYONE, 'GET /types/{type_id}/extra_specs'),
  rule('volume_extension:types_extra_specs:show', ANYONE, 'GET /types/{type_id}/extra_specs/{key}'),
  rule('volume_extension:types_extra_specs:create', ADMIN_API, 'POST /types/{type_id}/extra_specs'),
  rule(
    'volume_extension:types_extra_specs:update',
    ADMIN_API,
    'PUT /types/{type_id}/extra_specs/{key}',
  ),
  rule(
    'volume_extension:types_extra_specs:delete',
    ADMIN_API,
    'DELETE /types/{type_id}/extra_specs/{key}',
  ),
  rule(
    'volume_extension:types_extra_specs:read_sensitive',
    ADMIN_API,
    'See every extra spec, not only the user-visible ones (multiattach, replication_enabled, RESKEY:availability_zones).',
  ),
  rule(
    'volume_extension:volume_type_access',
    ADMIN_OR_OWNER,
    'Show os-volume-type-access:is_public in GET /types, GET /types/{type_id} and POST /types.',
  ),
  rule(
    'volume_extension:volume_type_access:addProjectAccess',
    ADMIN_API,
    'POST /types/{type_id}/action (addProjectAccess)',
  ),
  rule(
    'volume_extension:volume_type_access:removeProjectAccess',
    ADMIN_API,
    'POST /types/{type_id}/action (removeProjectAccess)',
  ),
  rule(
    'volume_extension:volume_type_access:get_all_for_type',
    ADMIN_API,
    'GET /types/{type_id}/os-volume-type-access',
  ),
  rule(
    'volume_extension:volume_type_encryption:create',
    ADMIN_API,
    'POST /types/{type_id}/encryption',
  ),
  rule(
    'volume_extension:volume_type_encryption:get',
    ADMIN_API,
    'GET /types/{type_id}/encryption[/{key}]',
  ),
  rule(
    'volume_extension:volume_type_encryption:update',
    ADMIN_API,
    'PUT /types/{type_id}/encryption/{encryption_id}',
  ),
  rule(
    'volume_extension:volume_type_encryption:delete',
    ADMIN_API,
    'DELETE /types/{type_id}/encryption/{encryption_id}',
  ),
  rule(
    'volume_extension:default_set_or_update',
    ADMIN_OF_PROJECT,
    'PUT /default-types/{project_id}',
  ),
  rule('volume_extension:default_get', ADMIN_OF_PROJECT, 'GET /default-types/{project_id}'),
  rule('volume_extension:default_get_all', ADMIN_API, 'GET /default-types'),
  rule('volume_extension:default_unset', ADMIN_OF_PROJECT, 'DELETE /default-types/{project_id}'),
];
