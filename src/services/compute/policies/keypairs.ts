import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_OR_KEYPAIR_OWNER, rule } from './nova-checks.ts';

/** Keypairs (nova/policies/keypairs.py): the target is the keypair's user. */
export const keypairPolicies: readonly PolicyDefault[] = [
  rule(
    'os_compute_api:os-keypairs:index',
    ADMIN_OR_KEYPAIR_OWNER,
    'GET',
    '/os-keypairs',
    "List a user's keypairs.",
  ),
  rule(
    'os_compute_api:os-keypairs:create',
    ADMIN_OR_KEYPAIR_OWNER,
    'POST',
    '/os-keypairs',
    'Create or import a keypair.',
  ),
  rule(
    'os_compute_api:os-keypairs:show',
    ADMIN_OR_KEYPAIR_OWNER,
    'GET',
    '/os-keypairs/{keypair_name}',
    'Show a keypair.',
  ),
  rule(
    'os_compute_api:os-keypairs:delete',
    ADMIN_OR_KEYPAIR_OWNER,
    'DELETE',
    '/os-keypairs/{keypair_name}',
    'Delete a keypair.',
  ),
];
