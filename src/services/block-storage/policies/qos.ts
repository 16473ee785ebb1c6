import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** QoS specs and their associations with volume types (qos_specs.py): admin only. */
export const qosPolicies: readonly PolicyDefault[] = [
  rule(
    'volume_extension:qos_specs_manage:get_all',
    ADMIN_API,
    'GET /qos-specs, GET /qos-specs/{qos_id}/associations',
  ),
  rule('volume_extension:qos_specs_manage:get', ADMIN_API, 'GET /qos-specs/{qos_id}'),
  rule('volume_extension:qos_specs_manage:create', ADMIN_API, 'POST /qos-specs'),
  rule(
    'volume_extension:qos_specs_manage:update',
    ADMIN_API,
    'PUT /qos-specs/{qos_id}, GET /qos-specs/{qos_id}/associate, /disassociate, /disassociate_all',
  ),
  rule(
    'volume_extension:qos_specs_manage:delete',
    ADMIN_API,
    'DELETE /qos-specs/{qos_id}, PUT /qos-specs/{qos_id}/delete_keys',
  ),
];
