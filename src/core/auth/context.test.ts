import { describe, expect, it } from 'vitest';
import {
  domainIdOf,
  policyCredentials,
  projectIdOf,
  type AuthContext,
  type TokenScope,
} from './context.ts';
import { PolicyEnforcer } from './policy/index.ts';

function authContext(scope: TokenScope, extra: Partial<AuthContext> = {}): AuthContext {
  return {
    userId: 'u-1',
    userName: 'alice',
    userDomain: { id: 'd-user', name: 'Users' },
    scope,
    roles: [
      { id: 'r-1', name: 'member' },
      { id: 'r-2', name: 'reader' },
    ],
    methods: ['password'],
    issuedAt: new Date('2026-01-01T00:00:00Z'),
    expiresAt: new Date('2026-01-01T01:00:00Z'),
    auditIds: ['a1'],
    isAdminProject: false,
    ...extra,
  };
}

const projectScope: TokenScope = {
  kind: 'project',
  project: { id: 'p-1', name: 'web', domain: { id: 'd-proj', name: 'Projects' } },
};

describe('scope helpers', () => {
  it('read the project and domain of the scope', () => {
    expect(projectIdOf(authContext(projectScope))).toBe('p-1');
    expect(domainIdOf(authContext(projectScope))).toBeUndefined();
    const domainCtx = authContext({ kind: 'domain', domain: { id: 'd-2', name: 'D2' } });
    expect(domainIdOf(domainCtx)).toBe('d-2');
    expect(projectIdOf(domainCtx)).toBeUndefined();
    expect(projectIdOf(authContext({ kind: 'system', system: 'all' }))).toBeUndefined();
  });
});

describe('policyCredentials', () => {
  it('maps a project-scoped token to the keys oslo.policy rules read', () => {
    const creds = policyCredentials(authContext(projectScope, { trustId: 't-1' }));
    expect(creds).toMatchObject({
      user_id: 'u-1',
      user_domain_id: 'd-user',
      project_id: 'p-1',
      project_domain_id: 'd-proj',
      roles: ['member', 'reader'],
      is_admin_project: false,
      trust_id: 't-1',
      token: {
        user: { id: 'u-1', domain: { id: 'd-user' } },
        project: { id: 'p-1', domain: { id: 'd-proj' } },
      },
    });
    expect(creds.domain_id).toBeUndefined();
    expect(creds.system_scope).toBeUndefined();
  });

  it('maps a domain-scoped token', () => {
    const creds = policyCredentials(
      authContext({ kind: 'domain', domain: { id: 'd-2', name: 'D2' } }),
    );
    expect(creds.domain_id).toBe('d-2');
    expect(creds.project_id).toBeUndefined();
    expect(creds.token).toMatchObject({ domain: { id: 'd-2' } });
  });

  it('maps a system-scoped token', () => {
    const creds = policyCredentials(authContext({ kind: 'system', system: 'all' }));
    expect(creds.system_scope).toBe('all');
    expect(creds.token).toMatchObject({ system: { all: true } });
    expect(creds.project_id).toBeUndefined();
  });

  it('gives an unscoped token no project, domain or system', () => {
    const creds = policyCredentials(authContext({ kind: 'unscoped' }));
    expect(creds.project_id).toBeUndefined();
    expect(creds.domain_id).toBeUndefined();
    expect(creds.system_scope).toBeUndefined();
  });

  describe('evaluated by the policy engine', () => {
    const policy = new PolicyEnforcer({
      defaults: [
        { name: 'owner', check: 'project_id:%(project_id)s', description: 'owner' },
        { name: 'same_domain', check: 'token.domain.id:%(domain_id)s', description: 'domain' },
        {
          name: 'project_domain',
          check: 'token.project.domain.id:%(domain_id)s',
          description: 'project domain',
        },
        { name: 'system', check: 'system_scope:all', description: 'system' },
        { name: 'self', check: 'user_id:%(user_id)s', description: 'self' },
        { name: 'admin_project', check: 'is_admin_project:True', description: 'cloud admin' },
        { name: 'member', check: 'role:member', description: 'member' },
      ],
    });
    const allowed = (rule: string, ctx: AuthContext, target: Record<string, unknown> = {}) =>
      policy.enforce(rule, target, policyCredentials(ctx));

    it('matches the project, its domain, the user and the roles', () => {
      const ctx = authContext(projectScope);
      expect(allowed('owner', ctx, { project_id: 'p-1' })).toBe(true);
      expect(allowed('owner', ctx, { project_id: 'p-2' })).toBe(false);
      expect(allowed('project_domain', ctx, { domain_id: 'd-proj' })).toBe(true);
      expect(allowed('self', ctx, { user_id: 'u-1' })).toBe(true);
      expect(allowed('member', ctx)).toBe(true);
      expect(allowed('system', ctx)).toBe(false);
      expect(allowed('admin_project', ctx)).toBe(false);
      expect(allowed('admin_project', authContext(projectScope, { isAdminProject: true }))).toBe(
        true,
      );
    });

    it('does not let a token without a project pass an ownership check on an ownerless target', () => {
      expect(allowed('owner', authContext({ kind: 'unscoped' }), {})).toBe(false);
      expect(
        allowed('owner', authContext({ kind: 'system', system: 'all' }), { project_id: 'p-1' }),
      ).toBe(false);
    });

    it('matches domain and system scope', () => {
      const domainCtx = authContext({ kind: 'domain', domain: { id: 'd-2', name: 'D2' } });
      expect(allowed('same_domain', domainCtx, { domain_id: 'd-2' })).toBe(true);
      expect(allowed('same_domain', domainCtx, { domain_id: 'd-3' })).toBe(false);
      expect(allowed('system', authContext({ kind: 'system', system: 'all' }))).toBe(true);
    });
  });
});
