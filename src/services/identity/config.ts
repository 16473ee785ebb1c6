import { defineSection, opt } from '../../core/config/index.ts';

/** Options of the identity service; names follow keystone.conf where one exists. */
export const identityConfig = defineSection('identity', 'Identity service (Keystone v3 API).', {
  port: opt.int(5000, 'TCP port the identity API listens on (0 picks a free one).', { min: 0, max: 65535 }),
  database_url: opt.url('', 'Database URL for the identity service; empty uses database.url.', { secret: true }),
  public_url: opt.url('', 'Base URL clients use to reach identity (for links and the 401 WWW-Authenticate header); empty derives it from each request.'),
  key_repository: opt.string('', 'Directory of token encryption keys (Fernet-style, rotated with `strata identity rotate-keys`); empty uses <data_dir>/fernet-keys.'),
  credential_key_repository: opt.string('', 'Directory of keys that encrypt stored credential blobs; empty uses <data_dir>/credential-keys.'),
  max_active_keys: opt.int(3, 'Token keys kept by a rotation (staged, primary and secondaries).', { min: 2, max: 100 }),
  token_expiration: opt.int(3600, 'Lifetime of a new token, in seconds.', { min: 60, max: 31_536_000 }),
  allow_rescope_scoped_token: opt.bool(true, 'Whether a scoped token may be exchanged for a token with another scope.'),
  allow_expired_window: opt.int(172_800, 'Seconds after expiry during which a service may still validate a token with allow_expired=true.', { min: 0 }),
  password_hash_rounds: opt.int(12, 'bcrypt cost factor for stored passwords (Keystone default 12; each step doubles the work).', { min: 4, max: 31 }),
  max_password_length: opt.int(4096, 'Longest password accepted, in bytes.', { min: 8, max: 65_536 }),
  list_limit: opt.int(0, 'Largest number of entities a list call returns (0 = no limit); longer lists are cut and flagged `truncated`.', { min: 0 }),
  admin_project_name: opt.string('admin', 'Name of the cloud admin project: tokens scoped to it carry is_admin_project=true.'),
  admin_project_domain_name: opt.string('Default', 'Domain of the cloud admin project.'),
  domain_configurations_from_database: opt.bool(true, 'Enable the domain configuration API (/v3/domains/{id}/config), stored in the database.'),
  lockout_failure_attempts: opt.int(0, 'Failed password attempts before a user is locked out (0 disables lockout).', { min: 0 }),
  lockout_duration: opt.int(1800, 'Seconds a locked-out user stays locked.', { min: 1 }),
  unique_last_password_count: opt.int(0, 'A new password must differ from this many previous ones (0 or 1: only the current).', { min: 0 }),
  minimum_password_age: opt.int(0, 'Days before a user may change their own password again.', { min: 0 }),
  password_expires_days: opt.int(0, 'Days until a password expires (0 = never).', { min: 0 }),
  disable_user_account_days_inactive: opt.int(0, 'Disable users who have not authenticated for this many days (0 = never).', { min: 0 }),
  password_regex: opt.string('', 'Regular expression every new password must match (empty = none).'),
  password_regex_description: opt.string('', 'Human-readable description of password_regex, shown when a password is rejected.'),
  change_password_upon_first_use: opt.bool(false, 'Users created or reset by an admin must change their password before using it.'),
  allow_redelegation: opt.bool(false, 'Whether trusts may be redelegated.'),
  max_redelegation_count: opt.int(3, 'Longest allowed chain of trust redelegation.', { min: 0 }),
  application_credential_user_limit: opt.int(-1, 'Application credentials a user may hold (-1 = unlimited).', { min: -1 }),
  unified_limit_model: opt.enum(['flat', 'strict_two_level'], 'flat', 'Enforcement model reported by /v3/limits/model.'),
  validation_cache_seconds: opt.float(2, 'How long a validated token is trusted from cache before users, projects and roles are read again; revocations made in this process apply at once.', { min: 0, max: 600 }),
  revocation_poll_seconds: opt.float(1, 'How often revocation events written by other replicas are read.', { min: 0.05, max: 600 }),
});

export type IdentityOptions = typeof identityConfig extends { options: infer O } ? O : never;
