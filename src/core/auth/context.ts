/**
 * What a validated token tells every service about the caller. The identity service
 * produces it; other services receive it through the token validation middleware and
 * never look inside a token themselves.
 */
export interface NamedRef {
  readonly id: string;
  readonly name: string;
}

export interface ProjectRef extends NamedRef {
  readonly domain: NamedRef;
}

export type TokenScope =
  | { readonly kind: 'unscoped' }
  | { readonly kind: 'project'; readonly project: ProjectRef }
  | { readonly kind: 'domain'; readonly domain: NamedRef }
  | { readonly kind: 'system'; readonly system: 'all' };

export interface AuthContext {
  readonly userId: string;
  readonly userName: string;
  readonly userDomain: NamedRef;
  readonly scope: TokenScope;
  /** Effective roles on the scope, implied roles expanded. */
  readonly roles: readonly NamedRef[];
  readonly methods: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly auditIds: readonly string[];
  /** Keystone's `is_admin_project`: the token is scoped to the cloud admin project. */
  readonly isAdminProject: boolean;
  readonly trustId?: string | undefined;
  readonly applicationCredentialId?: string | undefined;
}

export interface RequestContext {
  readonly requestId: string;
  /** The raw token the request carried (for calls made on the caller's behalf). */
  readonly token: string;
  readonly auth: AuthContext;
}

export function projectIdOf(ctx: AuthContext): string | undefined {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined;
}

export function domainIdOf(ctx: AuthContext): string | undefined {
  return ctx.scope.kind === 'domain' ? ctx.scope.domain.id : undefined;
}

/**
 * The credentials dict the policy engine evaluates, with the keys oslo.policy rules use
 * (`project_id`, `system_scope`, `token.domain.id`, ...), so upstream policy files apply.
 */
export function policyCredentials(ctx: AuthContext): Record<string, unknown> {
  const scope = ctx.scope;
  const project = scope.kind === 'project' ? scope.project : undefined;
  const domain = scope.kind === 'domain' ? scope.domain : undefined;
  return {
    user_id: ctx.userId,
    user_domain_id: ctx.userDomain.id,
    project_id: project?.id,
    project_domain_id: project?.domain.id,
    domain_id: domain?.id,
    system_scope: scope.kind === 'system' ? 'all' : undefined,
    roles: ctx.roles.map((r) => r.name),
    is_admin_project: ctx.isAdminProject,
    trust_id: ctx.trustId,
    token: {
      user: { id: ctx.userId, domain: { id: ctx.userDomain.id } },
      project: project ? { id: project.id, domain: { id: project.domain.id } } : undefined,
      domain: domain ? { id: domain.id } : undefined,
      system: scope.kind === 'system' ? { all: true } : undefined,
    },
  };
}
