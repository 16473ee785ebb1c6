import type { AuthContext, TokenScope as ContextScope } from '../../../core/auth/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { IdentityDb, WriteGeneration } from '../store/db.ts';
import { getUser, currentPassword, type User } from '../store/users.ts';
import { getDomain, getProject, type Project } from '../store/projects.ts';
import { effectiveRoles, type RoleTarget } from '../store/effective-roles.ts';
import { expandImplied, impliedRoleRules, type Role } from '../store/roles.ts';
import { getTrust, trustChain, trustRoleIds, type Trust } from '../store/trusts.ts';
import {
  applicationCredentialAccessRules,
  applicationCredentialRoleIds,
  getApplicationCredential,
  type AccessRule,
  type ApplicationCredential,
} from '../store/application-credentials.ts';
import { isInvalidTokenError, type TokenCodec, type TokenPayload } from '../token/index.ts';
import type { RevocableToken, RevocationList } from './revocation-list.ts';

export type TokenDataScope =
  | { readonly kind: 'unscoped' }
  | { readonly kind: 'project'; readonly project: Project; readonly domain: Project }
  | { readonly kind: 'domain'; readonly domain: Project }
  | { readonly kind: 'system' };

/** Everything a validated token stands for, as the API shows it and services use it. */
export interface TokenData {
  readonly token: string;
  readonly payload: TokenPayload;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The user the token acts as (the trustor when a trust impersonates). */
  readonly user: User;
  readonly userDomain: Project;
  readonly passwordExpiresAt: Date | null;
  readonly scope: TokenDataScope;
  readonly roles: readonly Role[];
  readonly isAdminProject: boolean;
  readonly trust?: Trust | undefined;
  readonly applicationCredential?: (ApplicationCredential & { accessRules: readonly AccessRule[] }) | undefined;
  readonly revocable: RevocableToken;
}

export class TokenInvalid extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenInvalid';
  }
}

interface CacheEntry {
  data: TokenData;
  generation: number;
  revocationVersion: number;
  cachedAt: number;
}

export interface TokenServiceOptions {
  readonly adminProjectName: string;
  readonly adminProjectDomainName: string;
  readonly allowExpiredWindowMs: number;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries?: number;
  readonly now?: () => number;
}

/**
 * Issues and validates tokens. A token is an encrypted payload (who, how, which scope,
 * until when); validation decrypts it and re-reads the user, scope and roles so that a
 * disabled user, a deleted project or a removed role invalidates tokens at once. Results
 * are cached until the store changes (WriteGeneration) or a short TTL passes.
 */
export class TokenService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly db: IdentityDb,
    private readonly generation: WriteGeneration,
    private readonly codec: TokenCodec,
    readonly revocations: RevocationList,
    private readonly opts: TokenServiceOptions,
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  issue(payload: TokenPayload): string {
    return this.codec.issue(payload, payload.issuedAt);
  }

  /**
   * Validates a token string. Throws TokenInvalid with the reason (for logs); the caller
   * decides whether that is a 401 (X-Auth-Token) or a 404 (X-Subject-Token).
   */
  async validate(token: string, opts: { allowExpired?: boolean } = {}): Promise<TokenData> {
    const now = this.now();
    await this.revocations.sync();
    const hit = this.cache.get(token);
    if (
      hit &&
      hit.generation === this.generation.current &&
      now - hit.cachedAt < this.opts.cacheTtlMs
    ) {
      this.checkExpiry(hit.data, now, opts.allowExpired ?? false);
      if (hit.revocationVersion !== this.revocations.version) {
        if (this.revocations.isRevoked(hit.data.revocable)) throw new TokenInvalid('revoked');
        hit.revocationVersion = this.revocations.version;
      }
      return hit.data;
    }
    if (hit) this.cache.delete(token);
    let payload: TokenPayload;
    try {
      payload = this.codec.open(token).payload;
    } catch (err) {
      if (isInvalidTokenError(err)) throw new TokenInvalid(`undecryptable: ${err.reason}`);
      throw err;
    }
    const generation = this.generation.current;
    const data = await this.build(token, payload);
    this.checkExpiry(data, now, opts.allowExpired ?? false);
    if (this.revocations.isRevoked(data.revocable)) throw new TokenInvalid('revoked');
    if (this.cache.size >= (this.opts.cacheMaxEntries ?? 50_000)) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { data, generation, revocationVersion: this.revocations.version, cachedAt: now });
    return data;
  }

  private checkExpiry(data: TokenData, now: number, allowExpired: boolean): void {
    const expires = data.expiresAt.getTime();
    if (expires > now) return;
    if (allowExpired && expires + this.opts.allowExpiredWindowMs > now) return;
    throw new TokenInvalid('expired');
  }

  /**
   * Resolves a payload into token data, checking that everything it names still exists,
   * is enabled, and still grants at least one role. Used when issuing too, so an issued
   * token is always one that validates.
   */
  async build(token: string, payload: TokenPayload): Promise<TokenData> {
    const db = this.db;
    let user = await getUser(db, payload.userId);
    if (!user || !user.enabled) throw new TokenInvalid('user missing or disabled');
    let trust: Trust | undefined;
    let scope: TokenDataScope = { kind: 'unscoped' };
    let roleTarget: RoleTarget | undefined;
    const s = payload.scope;
    if (s.kind === 'trust') {
      trust = await getTrust(db, s.trustId);
      if (!trust) throw new TokenInvalid('trust missing');
      if (trust.expiresAt && trust.expiresAt.getTime() <= this.now()) throw new TokenInvalid('trust expired');
      if (trust.trusteeUserId !== user.id) throw new TokenInvalid('token user is not the trustee');
      const trustor = await getUser(db, trust.trustorUserId);
      if (!trustor || !trustor.enabled) throw new TokenInvalid('trustor missing or disabled');
      if (trust.impersonation) user = trustor;
    }
    const userDomain = await getDomain(db, user.domainId);
    if (!userDomain || !userDomain.enabled) throw new TokenInvalid('user domain missing or disabled');

    if (s.kind === 'project' || s.kind === 'trust') {
      const project = await getProject(db, s.projectId);
      if (!project || !project.enabled) throw new TokenInvalid('project missing or disabled');
      const domain = await getDomain(db, project.domainId);
      if (!domain || !domain.enabled) throw new TokenInvalid('project domain missing or disabled');
      scope = { kind: 'project', project, domain };
      roleTarget = { kind: 'project', project };
    } else if (s.kind === 'domain') {
      const domain = await getDomain(db, s.domainId);
      if (!domain || !domain.enabled) throw new TokenInvalid('domain missing or disabled');
      scope = { kind: 'domain', domain };
      roleTarget = { kind: 'domain', domainId: domain.id };
    } else if (s.kind === 'system') {
      scope = { kind: 'system' };
      roleTarget = { kind: 'system' };
    }

    let roles: Role[] = [];
    let applicationCredential: TokenData['applicationCredential'];
    if (roleTarget) {
      // A trust's roles come from the assignments of whoever began its redelegation chain
      // (the trustor, for a trust that was not redelegated); everything else from the user's.
      const chain = trust ? await trustChain(db, trust) : [];
      const holder = chain.length ? chain[chain.length - 1]!.trustorUserId : payload.userId;
      roles = await effectiveRoles(db, holder, roleTarget);
      if (trust) {
        const delegated = new Set(await trustRoleIds(db, trust.id));
        const expanded = await effectiveRolesForIds(db, delegated, roles);
        roles = expanded;
      }
      if (payload.appCredId) {
        const ac = await getApplicationCredential(db, payload.appCredId);
        if (!ac || ac.userId !== payload.userId) throw new TokenInvalid('application credential missing');
        if (ac.expiresAt && ac.expiresAt.getTime() <= this.now()) throw new TokenInvalid('application credential expired');
        const delegated = new Set(await applicationCredentialRoleIds(db, ac.id));
        roles = await effectiveRolesForIds(db, delegated, roles);
        applicationCredential = { ...ac, accessRules: await applicationCredentialAccessRules(db, ac.id) };
      }
      if (roles.length === 0) throw new TokenInvalid('no roles on scope');
    }

    const password = await currentPassword(db, user.id);
    const project = scope.kind === 'project' ? scope.project : undefined;
    const isAdminProject =
      scope.kind === 'project' &&
      scope.project.name === this.opts.adminProjectName &&
      scope.domain.name === this.opts.adminProjectDomainName;
    const domainIds = [userDomain.id];
    if (scope.kind === 'project') domainIds.push(scope.domain.id);
    if (scope.kind === 'domain') domainIds.push(scope.domain.id);
    const userIds = [payload.userId];
    if (trust) userIds.push(trust.trustorUserId, trust.trusteeUserId);
    return {
      token,
      payload,
      issuedAt: payload.issuedAt,
      expiresAt: payload.expiresAt,
      user,
      userDomain,
      passwordExpiresAt: password?.expiresAt ?? null,
      scope,
      roles,
      isAdminProject,
      trust,
      applicationCredential,
      revocable: {
        issuedAt: payload.issuedAt,
        userIds,
        projectId: project?.id,
        domainIds,
        trustId: trust?.id,
        auditId: payload.auditIds[0],
        auditChainId: payload.auditIds[payload.auditIds.length - 1],
        accessTokenId: payload.accessTokenId,
        roleIds: roles.map((r) => r.id),
      },
    };
  }

  /** Drops every cached validation (after a key rotation, for instance). */
  clearCache(): void {
    this.cache.clear();
  }
}

/**
 * Restricts the holder's effective roles to those delegated (by a trust or an application
 * credential), keeping roles the delegated ones imply: delegating `member` also passes
 * `reader` if member implies reader.
 */
async function effectiveRolesForIds(db: IdentityDb, delegated: Set<string>, holderRoles: Role[]): Promise<Role[]> {
  const closure = expandImplied(delegated, await impliedRoleRules(db));
  return holderRoles.filter((r) => closure.has(r.id));
}

/** The AuthContext other services see for a validated token. */
export function authContextOf(data: TokenData): AuthContext {
  const named = (p: Project) => ({ id: p.id, name: p.name });
  let scope: ContextScope;
  switch (data.scope.kind) {
    case 'project':
      scope = { kind: 'project', project: { ...named(data.scope.project), domain: named(data.scope.domain) } };
      break;
    case 'domain':
      scope = { kind: 'domain', domain: named(data.scope.domain) };
      break;
    case 'system':
      scope = { kind: 'system', system: 'all' };
      break;
    default:
      scope = { kind: 'unscoped' };
  }
  return {
    userId: data.user.id,
    userName: data.user.name,
    userDomain: named(data.userDomain),
    scope,
    roles: data.roles.map((r) => ({ id: r.id, name: r.name })),
    methods: data.payload.methods,
    issuedAt: data.issuedAt,
    expiresAt: data.expiresAt,
    auditIds: data.payload.auditIds,
    isAdminProject: data.isAdminProject,
    trustId: data.trust?.id,
    applicationCredentialId: data.applicationCredential?.id,
  };
}

/** Maps a failed X-Auth-Token validation to the 401 every API answers. */
export function unauthorizedToken(reason: string): ApiError {
  return new ApiError(401, 'identity.invalid_token', 'The request you have made requires authentication.', {
    detail: reason,
  });
}

