/**
 * The identity feature set the conformance run asks tempest to test. A server under test
 * must be configured to match, or the tests of a feature fail (or are skipped) for the
 * wrong reason: the lockout tests, for instance, sleep `lockoutDurationSeconds` and then
 * expect the user to be unlocked.
 *
 * Keystone equivalents: [security_compliance] lockout_failure_attempts, lockout_duration,
 * unique_last_password_count; [identity] domain_specific_drivers_enabled and
 * domain_configurations_from_database.
 */
export interface IdentityFeatures {
  securityCompliance: {
    /** Failed password attempts after which the user is locked out. */
    lockoutFailureAttempts: number;
    /** Seconds a locked-out user stays locked. */
    lockoutDurationSeconds: number;
    /** A new password may not equal any of the user's last N passwords. */
    uniqueLastPasswordCount: number;
  };
  /** Per-domain identity configuration through /v3/domains/{id}/config. */
  domainSpecificDrivers: boolean;
  /** Application-credential access rules. */
  accessRules: boolean;
  /** OS-TRUST. */
  trusts: boolean;
  applicationCredentials: boolean;
  projectTags: boolean;
}

/** The values the real Keystone reference ran with (start-keystone.sh, features=full). */
export const FULL_IDENTITY_FEATURES: IdentityFeatures = Object.freeze({
  securityCompliance: Object.freeze({
    lockoutFailureAttempts: 2,
    lockoutDurationSeconds: 5,
    uniqueLastPasswordCount: 2,
  }),
  domainSpecificDrivers: true,
  accessRules: true,
  trusts: true,
  applicationCredentials: true,
  projectTags: true,
});
