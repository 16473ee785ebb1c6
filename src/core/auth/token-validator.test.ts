import { describe, expect, it } from 'vitest';
import { unauthorized } from '../errors/index.ts';
import type { AuthContext } from './context.ts';
import { CachingTokenValidator, plausibleToken, type TokenValidator } from './token-validator.ts';

const HOUR = 3_600_000;

function ctxFor(token: string, expiresAt: number): AuthContext {
  return {
    userId: `user-of-${token}`,
    userName: 'u',
    userDomain: { id: 'default', name: 'Default' },
    scope: { kind: 'unscoped' },
    roles: [],
    methods: ['password'],
    issuedAt: new Date(0),
    expiresAt: new Date(expiresAt),
    auditIds: [],
    isAdminProject: false,
  };
}

/** An identity stand-in that counts how often it is asked. */
class CountingValidator implements TokenValidator {
  calls = 0;
  revoked = new Set<string>();
  constructor(private readonly expiresAt: () => number) {}
  async validate(token: string): Promise<AuthContext> {
    this.calls++;
    if (this.revoked.has(token))
      throw unauthorized('The request you have made requires authentication.', 'revoked');
    return ctxFor(token, this.expiresAt());
  }
}

function setup(opts: { ttlMs?: number; maxEntries?: number; tokenLifetime?: number } = {}) {
  let now = 1_000_000;
  const inner = new CountingValidator(() => now + (opts.tokenLifetime ?? HOUR));
  const cache = new CachingTokenValidator(inner, {
    ttlMs: opts.ttlMs ?? 60_000,
    maxEntries: opts.maxEntries ?? 100,
    now: () => now,
  });
  return { inner, cache, advance: (ms: number) => (now += ms) };
}

describe('plausibleToken', () => {
  it('accepts Fernet-like and JWT-like tokens', () => {
    expect(plausibleToken('gAAAAABm' + 'x'.repeat(100) + '=')).toBe(true);
    expect(plausibleToken('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln')).toBe(true);
  });

  it.each([
    ['too short', 'abc'],
    ['too long', 'a'.repeat(8193)],
    ['spaces', 'a'.repeat(20) + ' b'],
    ['control characters', 'a'.repeat(20) + '\n'],
    ['non-ASCII', 'ä'.repeat(20)],
    ['quotes', "'".repeat(20)],
  ])('rejects %s', (_why, token) => expect(plausibleToken(token)).toBe(false));
});

describe('CachingTokenValidator', () => {
  it('asks identity once within the ttl', async () => {
    const { inner, cache, advance } = setup();
    const first = await cache.validate('token-a');
    advance(59_999);
    expect(await cache.validate('token-a')).toBe(first);
    expect(inner.calls).toBe(1);
  });

  it('asks again once the ttl has passed, so revocations elsewhere are seen', async () => {
    const { inner, cache, advance } = setup();
    await cache.validate('token-a');
    inner.revoked.add('token-a');
    advance(60_000);
    await expect(cache.validate('token-a')).rejects.toMatchObject({ status: 401 });
    expect(inner.calls).toBe(2);
  });

  it('never serves a token past its own expiry, even within the ttl', async () => {
    const { inner, cache, advance } = setup({ tokenLifetime: 10_000 });
    await cache.validate('token-a');
    advance(10_000);
    await cache.validate('token-a');
    expect(inner.calls).toBe(2);
  });

  it('does not cache failures', async () => {
    const { inner, cache } = setup();
    inner.revoked.add('bad');
    await expect(cache.validate('bad')).rejects.toMatchObject({ status: 401 });
    await expect(cache.validate('bad')).rejects.toMatchObject({ status: 401 });
    expect(inner.calls).toBe(2);
  });

  it('keeps tokens apart', async () => {
    const { cache } = setup();
    expect((await cache.validate('token-a')).userId).toBe('user-of-token-a');
    expect((await cache.validate('token-b')).userId).toBe('user-of-token-b');
  });

  it('evicts the oldest entry when full', async () => {
    const { inner, cache } = setup({ maxEntries: 2 });
    await cache.validate('t1');
    await cache.validate('t2');
    await cache.validate('t3'); // evicts t1
    expect(inner.calls).toBe(3);
    await cache.validate('t2');
    await cache.validate('t3');
    expect(inner.calls).toBe(3);
    await cache.validate('t1');
    expect(inner.calls).toBe(4);
  });

  it('forgets everything on invalidateAll', async () => {
    const { inner, cache } = setup();
    await cache.validate('t1');
    await cache.validate('t2');
    cache.invalidateAll();
    inner.revoked.add('t1');
    await expect(cache.validate('t1')).rejects.toMatchObject({ status: 401 });
    await cache.validate('t2');
    expect(inner.calls).toBe(4);
  });

  it('forgets one token on invalidate', async () => {
    const { inner, cache } = setup();
    await cache.validate('t1');
    await cache.validate('t2');
    cache.invalidate('t1');
    await cache.validate('t1');
    await cache.validate('t2');
    expect(inner.calls).toBe(3);
  });
});
