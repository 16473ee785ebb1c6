import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_OR_OWNER } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/** User messages (messages.py), readable and deletable by their project. */
export const messagesPolicies: readonly PolicyDefault[] = [
  rule('message:get_all', ADMIN_OR_OWNER, 'GET /messages'),
  rule('message:get', ADMIN_OR_OWNER, 'GET /messages/{message_id}'),
  rule('message:delete', ADMIN_OR_OWNER, 'DELETE /messages/{message_id}'),
];
