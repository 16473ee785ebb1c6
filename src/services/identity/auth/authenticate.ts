import { ApiError, badRequest } from '../../../core/errors/index.ts';
import { identityErrors } from '../errors.ts';
import type { PasswordHasher } from '../passwords.ts';
import type { IdentityDb } from '../store/db.ts';
import {
  clearFailedAuth,
  currentPassword,
  findUserByName,
  getUser,
  recordFailedAuth,
  touchLastActive,
  type User,
} from '../store/users.ts';
import { findDomainByName, findProjectByName, getDomain, getProject } from '../store/projects.ts';
import {
  findApplicationCredentialByName,
  getApplicationCredential,
  type ApplicationCredential,
} from '../store/application-credentials.ts';
import { consumeTrustUse, getTrust } from '../store/trusts.ts';
import { effectiveRoles } from '../store/effective-roles.ts';
import { newAuditId, type TokenPayload } from '../token/index.ts';
import { TokenInvalid, type TokenData, type TokenService } from './token-service.ts';
import type { AuthBody, AuthIdentity, AuthScope } from './auth-schema.ts';

export interface AuthenticatorOptions {
  readonly tokenExpirationSeconds: number;
  readonly allowRescopeScopedToken: boolean;
  readonly lockoutFailureAttempts: number;
  readonly lockoutDurationSeconds: number;
  readonly disableUserAccountDaysInactive: number;
  readonly changePasswordUponFirstUse: boolean;
  readonly now?: () => number;
}

const SUPPORTED_METHODS = new Set(['password', 'token', 'application_credential']);

interface Identified {
  user: User;
  methods: string[];
  parent?: TokenData;
  applicationCredential?: ApplicationCredential;
}

const DAY_MS = 86_400_000;

/**
 * POST /v3/auth/tokens: proves who the caller is with each requested method, settles the
 * scope, and issues a token that validates (so scope errors surface here as 401s).
 */
export class Authenticator {
  constructor(
    private readonly db: IdentityDb,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly opts: AuthenticatorOptions,
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async authenticate(body: AuthBody): Promise<TokenData> {
    const identity = body.auth.identity;
    const who = await this.identify(identity);
    const scope = body.auth.scope;
    const now = this.now();
    let expiresAt = now + this.opts.tokenExpirationSeconds * 1000;
    let payloadScope: TokenPayload['scope'] = { kind: 'unscoped' };
    const auditIds = [newAuditId()];

    if (who.parent) {
      expiresAt = Math.min(expiresAt, who.parent.expiresAt.getTime());
      auditIds.push(who.parent.payload.auditIds[who.parent.payload.auditIds.length - 1]!);
    }

    if (who.applicationCredential) {
      const ac = who.applicationCredential;
      if (scope !== undefined && scope !== 'unscoped' && Object.keys(scope).length > 0) {
        throw new ApiError(401, 'identity.auth_failed', 'Application credentials cannot request a scope.');
      }
      if (ac.expiresAt) expiresAt = Math.min(expiresAt, ac.expiresAt.getTime());
      payloadScope = ac.system ? { kind: 'system', system: 'all' } : { kind: 'project', projectId: ac.projectId ?? '' };
    } else if (scope !== undefined && scope !== 'unscoped') {
      payloadScope = await this.resolveScope(scope, who.user, (t) => {
        if (t.expiresAt) expiresAt = Math.min(expiresAt, t.expiresAt.getTime());
      });
    } else if (who.parent && scope === undefined && who.parent.payload.scope.kind !== 'unscoped') {
      // Re-authenticating with a scoped token and no scope keeps it unscoped, as Keystone does.
      payloadScope = { kind: 'unscoped' };
    } else if (scope === undefined && who.user.defaultProjectId && !who.parent) {
      payloadScope = await this.defaultProjectScope(who.user);
    }

    const issuedAt = new Date(now);
    const payload: TokenPayload = {
      userId: who.user.id,
      methods: who.methods,
      scope: payloadScope,
      expiresAt: new Date(expiresAt),
      issuedAt,
      auditIds,
      ...(who.applicationCredential ? { appCredId: who.applicationCredential.id } : {}),
    };
    const token = this.tokens.issue(payload);
    try {
      return await this.tokens.build(token, payload);
    } catch (err) {
      if (err instanceof TokenInvalid) throw this.scopeFailure(err, payload);
      throw err;
    }
  }

  private scopeFailure(err: TokenInvalid, payload: TokenPayload): ApiError {
    const s = payload.scope;
    if (err.reason === 'no roles on scope') {
      const target =
        s.kind === 'project' || s.kind === 'trust' ? `project ${s.projectId}` : s.kind === 'domain' ? `domain ${s.domainId}` : 'the system';
      return new ApiError(401, 'identity.no_access', `User ${payload.userId} has no access to ${target}.`);
    }
    return new ApiError(401, 'identity.auth_failed', `The request you have made requires authentication.`, { detail: err.reason });
  }

  private async identify(identity: AuthIdentity): Promise<Identified> {
    const methods = [...new Set(identity.methods)];
    for (const m of methods) {
      if (!SUPPORTED_METHODS.has(m)) {
        throw new ApiError(401, 'identity.unsupported_method', `Attempted to authenticate with an unsupported method.`);
      }
      if (!(m in identity)) throw badRequest(`Invalid input for field 'identity': '${m}' is a required property.`);
    }
    let result: Identified | undefined;
    const merge = (next: Identified) => {
      if (result && result.user.id !== next.user.id) throw identityErrors.authFailed();
      result = result ? { ...result, ...next, methods: [...new Set([...result.methods, ...next.methods])] } : next;
    };
    for (const m of methods) {
      if (m === 'password' && identity.password) merge({ user: await this.password(identity.password.user), methods: ['password'] });
      if (m === 'token' && identity.token) merge(await this.token(identity.token.id));
      if (m === 'application_credential' && identity.application_credential) {
        merge(await this.applicationCredential(identity.application_credential));
      }
    }
    if (!result) throw identityErrors.authFailed();
    return result;
  }

  private async resolveDomainId(ref: { id?: string | undefined; name?: string | undefined } | undefined): Promise<string> {
    if (!ref || (ref.id === undefined && ref.name === undefined)) {
      throw badRequest(`Invalid input for field 'domain': either 'id' or 'name' is required.`);
    }
    const domain = ref.id !== undefined ? await getDomain(this.db, ref.id) : await findDomainByName(this.db, ref.name!);
    if (!domain) throw identityErrors.authFailed();
    if (!domain.enabled) throw identityErrors.authFailed();
    return domain.id;
  }

  private async findUser(ref: { id?: string | undefined; name?: string | undefined; domain?: { id?: string | undefined; name?: string | undefined } | undefined }): Promise<User | undefined> {
    if (ref.id !== undefined) return getUser(this.db, ref.id);
    if (ref.name === undefined) throw badRequest(`Invalid input for field 'user': either 'id' or 'name' is required.`);
    return findUserByName(this.db, await this.resolveDomainId(ref.domain), ref.name);
  }

  private async password(ref: NonNullable<AuthIdentity['password']>['user']): Promise<User> {
    const now = this.now();
    const user = await this.findUser(ref);
    if (!user) {
      await this.hasher.burn(ref.password);
      throw identityErrors.authFailed();
    }
    const domain = await getDomain(this.db, user.domainId);
    if (!domain || !domain.enabled || !user.enabled) {
      await this.hasher.burn(ref.password);
      throw identityErrors.authFailed();
    }
    const attempts = this.opts.lockoutFailureAttempts;
    const ignoreLockout = user.options.ignore_lockout_failure_attempts === true;
    if (attempts > 0 && !ignoreLockout && user.failedAuthCount >= attempts && user.failedAuthAt) {
      if (now - user.failedAuthAt.getTime() < this.opts.lockoutDurationSeconds * 1000) {
        throw identityErrors.accountLocked();
      }
      await clearFailedAuth(this.db, user.id);
    }
    const password = await currentPassword(this.db, user.id);
    if (!password || !(await this.hasher.verify(ref.password, password.hash))) {
      if (attempts > 0 && !ignoreLockout) await recordFailedAuth(this.db, user.id, new Date(now));
      throw identityErrors.authFailed();
    }
    if (password.expiresAt && password.expiresAt.getTime() <= now && user.options.ignore_password_expiry !== true) {
      throw identityErrors.passwordExpired(user.id);
    }
    if (
      this.opts.changePasswordUponFirstUse &&
      !password.selfService &&
      user.options.ignore_change_password_upon_first_use !== true
    ) {
      throw new ApiError(401, 'identity.password_change_required', `You are required to change your password before you can use it for user ${user.id}.`);
    }
    const inactiveDays = this.opts.disableUserAccountDaysInactive;
    if (inactiveDays > 0) {
      const last = (user.lastActiveAt ?? user.createdAt).getTime();
      if (now - last > inactiveDays * DAY_MS) throw identityErrors.authFailed();
      await touchLastActive(this.db, user.id, new Date(now));
    }
    if (user.failedAuthCount > 0) await clearFailedAuth(this.db, user.id);
    return user;
  }

  private async token(tokenId: string): Promise<Identified> {
    let parent: TokenData;
    try {
      parent = await this.tokens.validate(tokenId);
    } catch (err) {
      if (err instanceof TokenInvalid) throw identityErrors.tokenNotFound();
      throw err;
    }
    if (parent.applicationCredential) {
      throw new ApiError(401, 'identity.auth_failed', 'A token created with an application credential cannot be used to create a new token.');
    }
    if (parent.trust) {
      throw new ApiError(403, 'identity.forbidden', 'Trust tokens cannot be used to create new tokens.');
    }
    if (parent.payload.scope.kind !== 'unscoped' && !this.opts.allowRescopeScopedToken) {
      throw new ApiError(403, 'identity.forbidden', 'Rescoping a scoped token is not allowed.');
    }
    return { user: parent.user, methods: ['token', ...parent.payload.methods], parent };
  }

  private async applicationCredential(ref: NonNullable<AuthIdentity['application_credential']>): Promise<Identified> {
    let ac: ApplicationCredential | undefined;
    if (ref.id !== undefined) {
      ac = await getApplicationCredential(this.db, ref.id);
    } else if (ref.name !== undefined && ref.user) {
      const owner = await this.findUser(ref.user);
      ac = owner ? await findApplicationCredentialByName(this.db, owner.id, ref.name) : undefined;
    } else {
      throw badRequest(`Invalid input for field 'application_credential': 'id', or 'name' with 'user', is required.`);
    }
    if (!ac) {
      await this.hasher.burn(ref.secret);
      throw identityErrors.authFailed();
    }
    if (!(await this.hasher.verify(ref.secret, ac.secretHash))) throw identityErrors.authFailed();
    if (ac.expiresAt && ac.expiresAt.getTime() <= this.now()) throw identityErrors.authFailed();
    const user = await getUser(this.db, ac.userId);
    if (!user || !user.enabled) throw identityErrors.authFailed();
    return { user, methods: ['application_credential'], applicationCredential: ac };
  }

  private async resolveScope(
    scope: Exclude<AuthScope, 'unscoped'>,
    user: User,
    capExpiry: (t: { expiresAt: Date | null }) => void,
  ): Promise<TokenPayload['scope']> {
    const given = ['project', 'domain', 'system', 'OS-TRUST:trust'].filter((k) => (scope as Record<string, unknown>)[k] !== undefined);
    if (given.length > 1) throw badRequest('Only one of project, domain, system or OS-TRUST:trust may be given as the scope.');
    if (scope.project) {
      const ref = scope.project;
      let project;
      if (ref.id !== undefined) project = await getProject(this.db, ref.id);
      else if (ref.name !== undefined) project = await findProjectByName(this.db, await this.resolveDomainId(ref.domain), ref.name);
      else throw badRequest(`Invalid input for field 'scope.project': either 'id' or 'name' is required.`);
      if (!project) throw new ApiError(401, 'identity.auth_failed', `Could not find the project to scope to.`);
      if (!project.enabled) throw new ApiError(401, 'identity.auth_failed', `Project ${project.id} is disabled.`);
      return { kind: 'project', projectId: project.id };
    }
    if (scope.domain) {
      const domainId = await this.resolveDomainId(scope.domain);
      return { kind: 'domain', domainId };
    }
    if (scope.system) {
      if (scope.system.all !== true) throw badRequest(`Invalid input for field 'scope.system': only 'all' is supported.`);
      return { kind: 'system', system: 'all' };
    }
    const trustRef = scope['OS-TRUST:trust'];
    if (trustRef) {
      const trust = await getTrust(this.db, trustRef.id);
      if (!trust) throw new ApiError(401, 'identity.auth_failed', 'Could not find the trust.');
      if (trust.trusteeUserId !== user.id) throw new ApiError(401, 'identity.auth_failed', 'The user is not the trustee of this trust.');
      if (trust.expiresAt && trust.expiresAt.getTime() <= this.now()) throw new ApiError(401, 'identity.auth_failed', 'The trust has expired.');
      if (!trust.projectId) throw new ApiError(401, 'identity.auth_failed', 'Trusts without a project cannot be used for a scoped token.');
      if (trust.remainingUses !== null && !(await consumeTrustUse(this.db, trust.id))) {
        throw new ApiError(401, 'identity.auth_failed', 'The trust has no uses left.');
      }
      capExpiry(trust);
      return { kind: 'trust', projectId: trust.projectId, trustId: trust.id };
    }
    return { kind: 'unscoped' };
  }

  /**
   * With no scope requested, a user with a usable default project gets a token scoped to it
   * (Keystone's behaviour); otherwise an unscoped token.
   */
  private async defaultProjectScope(user: User): Promise<TokenPayload['scope']> {
    const project = user.defaultProjectId ? await getProject(this.db, user.defaultProjectId) : undefined;
    if (!project || !project.enabled) return { kind: 'unscoped' };
    const roles = await effectiveRoles(this.db, user.id, { kind: 'project', project });
    return roles.length ? { kind: 'project', projectId: project.id } : { kind: 'unscoped' };
  }
}
