/**
 * Check strings Cinder's default rules are built from, as the reference deployment runs them
 * (`enforce_new_defaults = false`): the new persona rule OR the legacy one, which together
 * reduce to admin_or_owner for project resources; admin-only APIs use Cinder's admin_api
 * (an admin of the cloud admin project). Inlined rather than registered as named rules so
 * every policy file of the service can use them without declaring a rule twice.
 */
export const ADMIN_OR_OWNER = 'rule:admin_or_owner';
// Cinder's admin_api is `is_admin:True or (role:admin and is_admin_project:True)`, where
// is_admin is the context_is_admin rule (role:admin): any admin, whatever the project
// (Tempest's admins live in projects of their own).
export const ADMIN_API = 'rule:context_is_admin or (role:admin and is_admin_project:True)';
export const ANYONE = '';
