/**
 * Password security rules (Keystone's [security_compliance], PCI-DSS): strength, expiry,
 * change upon first use, reuse history, minimum age, lockout, and the two ways a password
 * is set: by an administrator (create or PATCH a user) or by the user themselves.
 */
import { ApiError } from '../../core/errors/index.ts';
import type { IdentityEnv, IdentitySettings } from './env.ts';
import { identityErrors } from './errors.ts';
import {
  clearFailedAuth,
  getUser,
  passwordHistory,
  recordFailedAuth,
  replacePassword,
  touchLastActive,
  type User,
} from './store/users.ts';

export type PasswordSettings = Pick<
  IdentitySettings,
  | 'password_regex'
  | 'password_regex_description'
  | 'max_password_length'
  | 'unique_last_password_count'
  | 'minimum_password_age'
  | 'password_expires_days'
  | 'change_password_upon_first_use'
  | 'lockout_failure_attempts'
  | 'lockout_duration'
  | 'disable_user_account_days_inactive'
>;

const DAY_MS = 86_400_000;

/**
 * Stored in place of a hash when an administrator sets the password to null: no password
 * verifies against it (bcrypt hashes start with `$2`), so password login is off.
 */
export const NO_PASSWORD_HASH = '!';

/** Messages follow Keystone's; none of them echoes the password. */
export const passwordErrors = {
  requirements: (description: string) =>
    new ApiError(
      400,
      'identity.password_requirements',
      `The password does not match the requirements: ${description}.`,
    ),
  badRegexConfig: () =>
    new ApiError(
      400,
      'identity.password_validation',
      'Password validation error: Unable to validate password due to invalid configuration.',
    ),
  tooLong: (max: number) =>
    new ApiError(
      400,
      'identity.password_validation',
      `Password validation error: the password is longer than ${max} bytes.`,
    ),
  reused: (count: number) =>
    new ApiError(
      400,
      'identity.password_history',
      `The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${count}.`,
    ),
  tooSoon: (minDays: number, daysLeft: number) =>
    new ApiError(
      400,
      'identity.password_age',
      `You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${minDays} day(s) before it can be changed. Please try again in ${daysLeft} day(s) or contact your administrator to reset your password.`,
    ),
  selfServiceDisabled: () =>
    new ApiError(
      400,
      'identity.password_self_service_disabled',
      'You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.',
    ),
};

const regexCache = new Map<string, RegExp | null>();

/** password_regex compiled once; Python's re.match anchors at the start only, so do we. */
function compiledRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})`);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** Checks a new password against the length limit and password_regex. */
export function assertPasswordAcceptable(password: string, s: PasswordSettings): void {
  if (Buffer.byteLength(password, 'utf8') > s.max_password_length)
    throw passwordErrors.tooLong(s.max_password_length);
  if (!s.password_regex) return;
  const re = compiledRegex(s.password_regex);
  if (!re) throw passwordErrors.badRegexConfig();
  if (!re.test(password))
    throw passwordErrors.requirements(s.password_regex_description || s.password_regex);
}

const flag = (options: Readonly<Record<string, unknown>>, name: string) => options[name] === true;

/** When a password set now expires: password_expires_days later (whole seconds), unless exempt. */
export function passwordExpiresAt(
  createdAt: Date,
  s: PasswordSettings,
  options: Readonly<Record<string, unknown>>,
): Date | null {
  if (flag(options, 'ignore_password_expiry') || s.password_expires_days <= 0) return null;
  const at = createdAt.getTime() + s.password_expires_days * DAY_MS;
  return new Date(at - (at % 1000));
}

/** Whether a password an administrator sets must be changed by the user before use. */
export function mustChangeOnFirstUse(
  s: PasswordSettings,
  options: Readonly<Record<string, unknown>>,
): boolean {
  return (
    s.change_password_upon_first_use && !flag(options, 'ignore_change_password_upon_first_use')
  );
}

/**
 * The user's lockout state: `locked` while failed attempts reached the limit and the
 * lockout has not run out, `lapsed` when it has (the counter should be reset), else `open`.
 */
export function lockoutState(
  user: User,
  s: PasswordSettings,
  now: Date,
): 'open' | 'locked' | 'lapsed' {
  if (!lockoutApplies(user, s)) return 'open';
  if (user.failedAuthCount < s.lockout_failure_attempts || !user.failedAuthAt) return 'open';
  return now.getTime() - user.failedAuthAt.getTime() < s.lockout_duration * 1000
    ? 'locked'
    : 'lapsed';
}

export function lockoutApplies(user: User, s: PasswordSettings): boolean {
  return s.lockout_failure_attempts > 0 && !flag(user.options, 'ignore_lockout_failure_attempts');
}

/** Old passwords kept besides the new one: what the reuse check needs, at least one. */
export function historyKept(s: PasswordSettings): number {
  return Math.max(1, s.unique_last_password_count);
}

export interface PasswordRecord {
  readonly hash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly selfService: boolean;
}

/**
 * A password set by an administrator (user create or PATCH): strength rules apply, history
 * and minimum age do not. With change_password_upon_first_use it is born expired, as in
 * Keystone, so the user must change it before using it. `null` turns password login off.
 */
export async function adminPasswordRecord(
  env: IdentityEnv,
  password: string | null,
  options: Readonly<Record<string, unknown>>,
): Promise<PasswordRecord> {
  const now = env.now();
  if (password === null)
    return { hash: NO_PASSWORD_HASH, createdAt: now, expiresAt: null, selfService: false };
  assertPasswordAcceptable(password, env.settings);
  const hash = await env.hasher.hash(password);
  const expiresAt = mustChangeOnFirstUse(env.settings, options)
    ? now
    : passwordExpiresAt(now, env.settings, options);
  return { hash, createdAt: now, expiresAt, selfService: false };
}

/**
 * POST /v3/users/{user_id}/password: the user proves the original password (counted by the
 * lockout like a login; an expired one is accepted, that is the point), then the new one
 * must pass the strength rules, lock_password, the minimum age and the reuse history.
 * Every existing token of the user is revoked.
 */
export async function changeOwnPassword(
  env: IdentityEnv,
  userId: string,
  original: string,
  next: string,
): Promise<void> {
  const s = env.settings;
  assertPasswordAcceptable(next, s);
  const now = env.now();
  const user = await getUser(env.db, userId);
  if (!user) {
    await env.hasher.burn(original);
    throw identityErrors.authFailed();
  }
  const lock = lockoutState(user, s, now);
  if (lock === 'locked') throw identityErrors.accountLocked();
  if (lock === 'lapsed') await clearFailedAuth(env.db, user.id);
  const history = await passwordHistory(env.db, user.id, Math.max(1, s.unique_last_password_count));
  const current = history[0];
  if (!current || !(await env.hasher.verify(original, current.hash))) {
    if (lockoutApplies(user, s)) await recordFailedAuth(env.db, user.id, now);
    throw identityErrors.authFailed();
  }
  if (!user.enabled) throw identityErrors.authFailed();
  if (user.failedAuthCount > 0 && lock !== 'lapsed') await clearFailedAuth(env.db, user.id);
  if (s.disable_user_account_days_inactive > 0) await touchLastActive(env.db, user.id, now);

  if (flag(user.options, 'lock_password')) throw passwordErrors.selfServiceDisabled();
  if (current.selfService && s.minimum_password_age > 0) {
    const allowedAt = current.createdAt.getTime() + s.minimum_password_age * DAY_MS;
    if (now.getTime() < allowedAt) {
      throw passwordErrors.tooSoon(
        s.minimum_password_age,
        Math.floor((allowedAt - now.getTime()) / DAY_MS),
      );
    }
  }
  if (s.unique_last_password_count > 0) {
    for (const old of history.slice(0, s.unique_last_password_count)) {
      if (await env.hasher.verify(next, old.hash))
        throw passwordErrors.reused(s.unique_last_password_count);
    }
  }

  const hash = await env.hasher.hash(next);
  const record = {
    hash,
    createdAt: now,
    expiresAt: passwordExpiresAt(now, s, user.options),
    selfService: true,
  };
  await env.db
    .transaction()
    .execute((trx) => replacePassword(trx, user.id, record, historyKept(s)));
  await env.revocations.revoke({ userId: user.id, issuedBefore: env.now() });
}
