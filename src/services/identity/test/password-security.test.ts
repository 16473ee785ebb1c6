import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import {
  assertPasswordAcceptable,
  lockoutState,
  passwordExpiresAt,
  type PasswordSettings,
} from '../password-policy.ts';
import type { User } from '../store/users.ts';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { createUser, sleep } from './fixtures.ts';

const pw = () => `Pw-${newId()}`;
const uname = () => `user-${newId().slice(0, 10)}`;
const DAY = 86_400_000;

/** The security-compliance settings tempest's identity tests run with. */
const TEMPEST = {
  lockout_failure_attempts: 2,
  lockout_duration: 5,
  unique_last_password_count: 2,
  minimum_password_age: 0,
};

function changePassword(h: IdentityHarness, userId: string, original: string, password: string) {
  return h.request('POST', `/v3/users/${userId}/password`, {
    body: { user: { original_password: original, password } },
  });
}

async function loginStatus(h: IdentityHarness, userId: string, password: string): Promise<number> {
  return (await h.passwordToken({ id: userId, password })).reply.status;
}

/** The user's newest password row, as stored. */
function newestPassword(h: IdentityHarness, userId: string) {
  return h.env.db
    .selectFrom('identity_password')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
}

describe('password rules (pure)', () => {
  const base: PasswordSettings = {
    password_regex: '',
    password_regex_description: '',
    max_password_length: 16,
    unique_last_password_count: 0,
    minimum_password_age: 0,
    password_expires_days: 0,
    change_password_upon_first_use: false,
    lockout_failure_attempts: 0,
    lockout_duration: 1800,
    disable_user_account_days_inactive: 0,
  };

  it('applies password_regex like Python re.match (anchored at the start only) and the length limit', () => {
    const s = {
      ...base,
      password_regex: '\\d{3}',
      password_regex_description: 'three digits first',
    };
    expect(() => assertPasswordAcceptable('123abc', s)).not.toThrow();
    expect(() => assertPasswordAcceptable('abc123', s)).toThrow('three digits first');
    expect(() => assertPasswordAcceptable('12345678901234567', base)).toThrow(
      'longer than 16 bytes',
    );
    expect(() => assertPasswordAcceptable('ééééééééé', base)).toThrow('longer than 16 bytes');
    expect(() => assertPasswordAcceptable('x', { ...base, password_regex: '(' })).toThrow(
      'invalid configuration',
    );
  });

  it('computes expiry in whole seconds and honours ignore_password_expiry', () => {
    const at = new Date('2030-01-01T00:00:00.750Z');
    expect(passwordExpiresAt(at, base, {})).toBeNull();
    const s = { ...base, password_expires_days: 2 };
    expect(passwordExpiresAt(at, s, {})?.toISOString()).toBe('2030-01-03T00:00:00.000Z');
    expect(passwordExpiresAt(at, s, { ignore_password_expiry: true })).toBeNull();
  });

  it('locks a user after the failed attempts for the lockout duration', () => {
    const now = new Date('2030-01-01T00:00:10Z');
    const user = (count: number, at: Date | null, options = {}) =>
      ({ failedAuthCount: count, failedAuthAt: at, options }) as unknown as User;
    const s = { ...base, lockout_failure_attempts: 2, lockout_duration: 5 };
    expect(lockoutState(user(1, new Date(now.getTime() - 1000)), s, now)).toBe('open');
    expect(lockoutState(user(2, new Date(now.getTime() - 1000)), s, now)).toBe('locked');
    expect(lockoutState(user(2, new Date(now.getTime() - 6000)), s, now)).toBe('lapsed');
    expect(lockoutState(user(5, now, { ignore_lockout_failure_attempts: true }), s, now)).toBe(
      'open',
    );
    expect(lockoutState(user(5, now), base, now)).toBe('open');
  });
});

describe("identity: password security with tempest's settings", () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ settings: TEMPEST });
  });
  afterAll(async () => h.close());

  it('changes the own password as tempest test_user_update_own_password does', async () => {
    const oldPass = pw();
    const u = await createUser(h, { name: uname(), password: oldPass });
    const { token: oldToken } = await h.passwordToken({ id: u.id, password: oldPass });
    const newPass = pw();
    expect((await changePassword(h, u.id, 'wrong', newPass)).status).toBe(401);
    const changed = await changePassword(h, u.id, oldPass, newPass);
    expect(changed.status).toBe(204);
    await sleep(2);
    const withOldToken = await h.request('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: oldToken } } } },
    });
    expect(withOldToken.status).toBe(404);
    expect(await loginStatus(h, u.id, oldPass)).toBe(401);
    expect(await loginStatus(h, u.id, newPass)).toBe(201);
    const row = await newestPassword(h, u.id);
    expect(row.self_service).toBe(1);
  });

  it('answers bad change-password requests without revealing whether the user exists', async () => {
    expect((await changePassword(h, newId(), 'x', pw())).status).toBe(401);
    const u = await createUser(h, { name: uname(), password: pw() });
    const missing = await h.request('POST', `/v3/users/${u.id}/password`, {
      body: { user: { password: pw() } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('original_password');
    const extra = await h.request('POST', `/v3/users/${u.id}/password`, {
      body: { user: { original_password: 'a', password: 'b', x: 1 } },
    });
    expect(extra.status).toBe(400);
    expect(
      (await h.request('GET', `/v3/users/${u.id}/password`, { token: h.adminToken })).status,
    ).toBe(405);
  });

  it('enforces the password history as tempest test_password_history_check_self_service_api does', async () => {
    const oldPass = pw();
    const u = await createUser(h, { name: uname(), password: oldPass });
    const new1 = pw();
    const new2 = pw();
    expect((await changePassword(h, u.id, oldPass, new1)).status).toBe(204);
    const same = await changePassword(h, u.id, new1, new1);
    expect(same.status).toBe(400);
    expect(same.body.error.message).toContain('cannot be identical to a previous password');
    expect((await changePassword(h, u.id, new1, oldPass)).status).toBe(400);
    expect((await changePassword(h, u.id, new1, new2)).status).toBe(204);
    // Two passwords are remembered: the original has left the history.
    expect((await changePassword(h, u.id, new2, oldPass)).status).toBe(204);
    const kept = await h.env.db
      .selectFrom('identity_password')
      .select('id')
      .where('user_id', '=', u.id)
      .execute();
    expect(kept.length).toBeLessThanOrEqual(3);
  });

  it('does not enforce the history on an admin reset (test_password_history_not_enforced_in_admin_reset)', async () => {
    const oldPass = pw();
    const u = await createUser(h, { name: uname(), password: oldPass });
    const newPass = pw();
    const admin = (password: string) =>
      h.request('PATCH', `/v3/users/${u.id}`, {
        token: h.adminToken,
        body: { user: { password } },
      });
    expect((await admin(newPass)).status).toBe(200);
    await sleep(2);
    expect(await loginStatus(h, u.id, newPass)).toBe(201);
    expect((await admin(newPass)).status).toBe(200);
    expect((await admin(oldPass)).status).toBe(200);
    await sleep(2);
    expect(await loginStatus(h, u.id, oldPass)).toBe(201);
    const row = await newestPassword(h, u.id);
    expect(row.self_service).toBe(0);
  });

  it('refuses a self-service change when lock_password is set', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password, options: { lock_password: true } });
    const r = await changePassword(h, u.id, password, pw());
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('password policy disallowing password changes');
    expect(await loginStatus(h, u.id, password)).toBe(201);
  });

  it('locks the account as tempest test_user_account_lockout expects', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password });
    expect(await loginStatus(h, u.id, password)).toBe(201);
    for (let i = 0; i < TEMPEST.lockout_failure_attempts; i++)
      expect(await loginStatus(h, u.id, pw())).toBe(401);
    const locked = await h.passwordToken({ id: u.id, password });
    expect(locked.reply.status).toBe(401);
    expect(locked.reply.body.error.message).toContain('locked');
    // Let lockout_duration (5 s) pass by moving the last failure back in time.
    const longAgo = new Date(Date.now() - (TEMPEST.lockout_duration + 1) * 1000)
      .toISOString()
      .replace('Z', '000Z');
    await h.env.db
      .updateTable('identity_user')
      .set({ failed_auth_at: longAgo })
      .where('id', '=', u.id)
      .execute();
    expect(await loginStatus(h, u.id, password)).toBe(201);
    expect(await loginStatus(h, u.id, pw())).toBe(401);
    expect(await loginStatus(h, u.id, password)).toBe(201);
  });

  it('counts wrong original passwords towards the lockout', async () => {
    const password = pw();
    const u = await createUser(h, { name: uname(), password });
    expect((await changePassword(h, u.id, 'bad-1', pw())).status).toBe(401);
    expect((await changePassword(h, u.id, 'bad-2', pw())).status).toBe(401);
    const locked = await changePassword(h, u.id, password, pw());
    expect(locked.status).toBe(401);
    expect(locked.body.error.message).toContain('locked');
    expect(await loginStatus(h, u.id, password)).toBe(401);
  });

  it('never locks a user with ignore_lockout_failure_attempts', async () => {
    const password = pw();
    const u = await createUser(h, {
      name: uname(),
      password,
      options: { ignore_lockout_failure_attempts: true },
    });
    for (let i = 0; i < 4; i++) expect(await loginStatus(h, u.id, pw())).toBe(401);
    expect(await loginStatus(h, u.id, password)).toBe(201);
  });
});

describe('identity: password strength', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({
      settings: {
        password_regex: '^(?=.*\\d).{8,}$',
        password_regex_description: 'at least 8 characters with a digit',
        max_password_length: 64,
      },
    });
  });
  afterAll(async () => h.close());

  it('rejects weak passwords on create, admin reset and self-service change with the description', async () => {
    const weak = 'weakpass';
    const created = await h.request('POST', '/v3/users', {
      token: h.adminToken,
      body: { user: { name: uname(), password: weak } },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toContain('at least 8 characters with a digit');
    expect(created.body.error.message).not.toContain(weak);
    const strong = 'strong-pass-1';
    const u = await createUser(h, { name: uname(), password: strong });
    expect(
      (
        await h.request('PATCH', `/v3/users/${u.id}`, {
          token: h.adminToken,
          body: { user: { password: weak } },
        })
      ).status,
    ).toBe(400);
    expect((await changePassword(h, u.id, strong, weak)).status).toBe(400);
    expect((await changePassword(h, u.id, strong, `x${'1'.repeat(64)}`)).status).toBe(400);
    expect((await changePassword(h, u.id, strong, 'other-pass-2')).status).toBe(204);
  });
});

describe('identity: minimum password age', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({ settings: { minimum_password_age: 1 } });
  });
  afterAll(async () => h.close());

  it('allows one self-service change a day, while admin resets are not limited', async () => {
    const p0 = pw();
    const u = await createUser(h, { name: uname(), password: p0 });
    const p1 = pw();
    expect((await changePassword(h, u.id, p0, p1)).status).toBe(204);
    const tooSoon = await changePassword(h, u.id, p1, pw());
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body.error.message).toContain('minimum password age');
    const p2 = pw();
    expect(
      (
        await h.request('PATCH', `/v3/users/${u.id}`, {
          token: h.adminToken,
          body: { user: { password: p2 } },
        })
      ).status,
    ).toBe(200);
    expect((await changePassword(h, u.id, p2, pw())).status).toBe(204);
  });
});

describe('identity: password expiry and change upon first use', () => {
  let h: IdentityHarness;
  beforeAll(async () => {
    h = await startIdentity({
      settings: { password_expires_days: 30, change_password_upon_first_use: true },
    });
  });
  afterAll(async () => h.close());

  const expiryOf = (view: Record<string, unknown>) =>
    Date.parse(`${String(view.password_expires_at)}Z`);

  it('makes an admin-set password expire at once, and a self-chosen one after password_expires_days', async () => {
    const initial = pw();
    const before = Date.now();
    const u = await createUser(h, { name: uname(), password: initial });
    expect(u.password_expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(expiryOf(u)).toBeLessThanOrEqual(Date.now());
    expect(await loginStatus(h, u.id, initial)).toBe(401);

    const chosen = pw();
    expect((await changePassword(h, u.id, initial, chosen)).status).toBe(204);
    await sleep(2);
    expect(await loginStatus(h, u.id, chosen)).toBe(201);
    const shown = (await h.request('GET', `/v3/users/${u.id}`, { token: h.adminToken })).body.user;
    expect(expiryOf(shown)).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
    expect(expiryOf(shown)).toBeLessThanOrEqual(Date.now() + 30 * DAY);

    const cut = new Date(Date.now() + 29 * DAY).toISOString().slice(0, 19);
    const later = await h.request('GET', `/v3/users?password_expires_at=gt:${cut}Z`, {
      token: h.adminToken,
    });
    expect(later.body.users.map((x: { id: string }) => x.id)).toContain(u.id);
    const sooner = await h.request('GET', `/v3/users?password_expires_at=lt:${cut}Z`, {
      token: h.adminToken,
    });
    expect(sooner.body.users.map((x: { id: string }) => x.id)).not.toContain(u.id);
  });

  it('honours ignore_change_password_upon_first_use and ignore_password_expiry', async () => {
    const password = pw();
    const exempt = await createUser(h, {
      name: uname(),
      password,
      options: { ignore_change_password_upon_first_use: true },
    });
    expect(expiryOf(exempt)).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(await loginStatus(h, exempt.id, password)).toBe(201);
    const never = await createUser(h, {
      name: uname(),
      password,
      options: { ignore_change_password_upon_first_use: true, ignore_password_expiry: true },
    });
    expect(never.password_expires_at).toBeNull();
    expect(await loginStatus(h, never.id, password)).toBe(201);
  });
});
