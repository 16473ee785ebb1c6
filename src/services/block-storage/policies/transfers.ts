import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_OR_OWNER, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** Volume transfers (os-volume-transfer and, from 3.55, volume-transfers), under Cinder's rule names. */
export const transfersPolicies: readonly PolicyDefault[] = [
  rule(
    'volume:get_all_transfers',
    ADMIN_OR_OWNER,
    'GET /os-volume-transfer[/detail], GET /volume-transfers[/detail]',
  ),
  rule(
    'volume:create_transfer',
    ADMIN_OR_OWNER,
    'POST /os-volume-transfer, POST /volume-transfers',
  ),
  rule(
    'volume:get_transfer',
    ADMIN_OR_OWNER,
    'GET /os-volume-transfer/{transfer_id}, GET /volume-transfers/{transfer_id}',
  ),
  // Anyone holding the id and the auth key may accept: that is what a transfer is for.
  rule(
    'volume:accept_transfer',
    ANYONE,
    'POST /os-volume-transfer/{transfer_id}/accept, POST /volume-transfers/{transfer_id}/accept',
  ),
  rule(
    'volume:delete_transfer',
    ADMIN_OR_OWNER,
    'DELETE /os-volume-transfer/{transfer_id}, DELETE /volume-transfers/{transfer_id}',
  ),
];
