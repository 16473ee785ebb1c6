import type { AuthContext } from './context.ts';

/**
 * The port through which every service turns a token into an AuthContext. The identity
 * service implements it (in process, or over HTTP through its client); services only ever
 * see this interface. Implementations throw an ApiError 401 for a token that is not valid.
 */
export interface TokenValidator {
  validate(token: string): Promise<AuthContext>;
}

/** Token strings we will not even try to decode: saves a round trip on garbage. */
export function plausibleToken(token: string): boolean {
  return token.length >= 16 && token.length <= 8192 && /^[A-Za-z0-9_\-=.+/]+$/.test(token);
}

interface CacheEntry {
  ctx: AuthContext;
  cachedAt: number;
}

/**
 * Caches validated tokens for a short time, as keystonemiddleware does, so a service does
 * not ask identity on every request. Revocations reach the cache through `invalidate`
 * (in process) or age out after `ttlMs` (across processes).
 */
export class CachingTokenValidator implements TokenValidator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly inner: TokenValidator,
    private readonly opts: { ttlMs: number; maxEntries: number; now?: () => number },
  ) {}

  async validate(token: string): Promise<AuthContext> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(token);
    if (hit && now - hit.cachedAt < this.opts.ttlMs && hit.ctx.expiresAt.getTime() > now) {
      return hit.ctx;
    }
    if (hit) this.cache.delete(token);
    const ctx = await this.inner.validate(token);
    if (this.cache.size >= this.opts.maxEntries) {
      // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { ctx, cachedAt: now });
    return ctx;
  }

  /** Drops one cached token, e.g. after that token was revoked in this process. */
  invalidate(token: string): void {
    this.cache.delete(token);
  }

  /** Drops every cached token, e.g. after a revocation event. */
  invalidateAll(): void {
    this.cache.clear();
  }
}
