import type { PolicyDefault } from '../../../core/auth/policy/index.ts';

/**
 * Check strings Nova's defaults reduce to as the reference deployment runs them
 * (`enforce_new_defaults = false`, so each new persona rule is OR'd with its deprecated
 * legacy rule). Inlined rather than registered under Nova's helper names (admin_api,
 * project_reader_api ...), which other services register under the same names upstream.
 */
// Nova's admin_api is `is_admin:True`, which the context sets from the context_is_admin rule.
export const ADMIN_API = 'rule:context_is_admin';
/** PROJECT_READER_OR_ADMIN / PROJECT_MEMBER_OR_ADMIN with the legacy admin_or_owner OR'd in. */
export const ADMIN_OR_OWNER = 'rule:admin_or_owner';
/** Keypairs belong to users: the legacy `admin_api or user_id:%(user_id)s`. */
export const ADMIN_OR_KEYPAIR_OWNER = 'rule:context_is_admin or user_id:%(user_id)s';
export const ANYONE = '';

export const rule = (
  name: string,
  check: string,
  method: string,
  path: string,
  description: string,
): PolicyDefault => ({
  name,
  check,
  description,
  operations: [{ method, path }],
});
