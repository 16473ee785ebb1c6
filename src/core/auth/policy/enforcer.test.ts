import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors/index.ts';
import type { PolicyCredentials } from './credentials.ts';
import { PolicyEnforcer, PolicyError, type PolicyDefault } from './enforcer.ts';
import { PolicyParseError } from './parser.ts';
import { personaPolicies } from './personas.ts';

const identityDefaults: PolicyDefault[] = [
  ...personaPolicies,
  {
    name: 'identity:get_user',
    check:
      '(role:reader and system_scope:all) or ' +
      '(role:reader and token.domain.id:%(target.user.domain_id)s) or ' +
      'user_id:%(target.user.id)s',
    description: 'Show user details.',
    operations: [
      { method: 'GET', path: '/v3/users/{user_id}' },
      { method: 'HEAD', path: '/v3/users/{user_id}' },
    ],
  },
  {
    name: 'identity:list_users',
    check: '(role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)',
    description: 'List users.',
    operations: [{ method: 'GET', path: '/v3/users' }],
  },
  {
    name: 'identity:delete_user',
    check: 'rule:system_admin',
    description: 'Delete a user.',
  },
];

const systemAdmin: PolicyCredentials = {
  user_id: 'admin',
  roles: ['admin', 'member', 'reader'],
  system_scope: 'all',
};
const projectMember: PolicyCredentials = {
  user_id: 'u1',
  project_id: 'p1',
  roles: ['member', 'reader'],
};

describe('PolicyEnforcer', () => {
  const enforcer = new PolicyEnforcer({ defaults: identityDefaults });

  it('enforces the registered defaults', () => {
    expect(enforcer.enforce('identity:list_users', {}, systemAdmin)).toBe(true);
    expect(enforcer.enforce('identity:list_users', {}, projectMember)).toBe(false);
    expect(enforcer.enforce('identity:get_user', { 'target.user.id': 'u1' }, projectMember)).toBe(
      true,
    );
    expect(enforcer.enforce('identity:delete_user', {}, systemAdmin)).toBe(true);
    expect(enforcer.enforce('identity:delete_user', {}, projectMember)).toBe(false);
  });

  it('answers has() for registered rules only', () => {
    expect(enforcer.has('identity:get_user')).toBe(true);
    expect(enforcer.has('admin_required')).toBe(true);
    expect(enforcer.has('identity:get_usr')).toBe(false);
  });

  it('throws a programming error, not a 403, for a rule never registered', () => {
    expect(() => enforcer.enforce('identity:get_usr', {}, systemAdmin)).toThrow(PolicyError);
    expect(() => enforcer.authorize('identity:get_usr', {}, systemAdmin)).toThrow(
      'policy rule "identity:get_usr" is not registered',
    );
  });

  it('authorize() passes silently when allowed', () => {
    expect(enforcer.authorize('identity:list_users', {}, systemAdmin)).toBeUndefined();
  });

  it('authorize() throws Keystone’s 403 when denied', () => {
    let thrown: unknown;
    try {
      enforcer.authorize('identity:list_users', {}, projectMember);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const error = thrown as ApiError;
    expect(error.status).toBe(403);
    expect(error.title).toBe('Forbidden');
    expect(error.message).toBe(
      'You are not authorized to perform the requested action: identity:list_users.',
    );
  });

  it('lets a service word the 403 its own way', () => {
    const nova = new PolicyEnforcer({
      defaults: [{ name: 'os_compute_api:servers:create', check: '!', description: 'Create.' }],
      forbiddenMessage: (rule) => `Policy doesn't allow ${rule} to be performed.`,
    });
    expect(() => nova.authorize('os_compute_api:servers:create', {}, systemAdmin)).toThrow(
      "Policy doesn't allow os_compute_api:servers:create to be performed.",
    );
  });

  it('reports the effective rules with their documentation', () => {
    const rule = enforcer.rules().find((r) => r.name === 'identity:get_user');
    expect(rule).toMatchObject({
      description: 'Show user details.',
      overridden: false,
      operations: [
        { method: 'GET', path: '/v3/users/{user_id}' },
        { method: 'HEAD', path: '/v3/users/{user_id}' },
      ],
    });
    expect(rule?.check).toBe(rule?.defaultCheck);
    expect(enforcer.rules().map((r) => r.name)).toEqual(identityDefaults.map((r) => r.name));
  });
});

describe('operator overrides', () => {
  const enforcer = new PolicyEnforcer({
    defaults: identityDefaults,
    overrides: {
      'identity:list_users': 'rule:project_auditor or role:admin',
      project_auditor: 'role:auditor and project_id:%(target.project_id)s',
      admin_required: 'role:cloud-admin',
    },
  });

  it('replace the default check', () => {
    expect(enforcer.enforce('identity:list_users', {}, systemAdmin)).toBe(true);
    expect(enforcer.enforce('identity:list_users', {}, { ...systemAdmin, roles: ['reader'] })).toBe(
      false,
    );
  });

  it('may define new rules used through rule:', () => {
    const auditor: PolicyCredentials = { project_id: 'p1', roles: ['auditor'] };
    expect(enforcer.enforce('identity:list_users', { target: { project_id: 'p1' } }, auditor)).toBe(
      true,
    );
    expect(enforcer.enforce('identity:list_users', { target: { project_id: 'p2' } }, auditor)).toBe(
      false,
    );
    expect(enforcer.has('project_auditor')).toBe(true);
  });

  it('change every rule that references an overridden persona', () => {
    expect(enforcer.enforce('service_or_admin', {}, { roles: ['cloud-admin'] })).toBe(true);
    expect(enforcer.enforce('service_or_admin', {}, { roles: ['admin'] })).toBe(false);
  });

  it('show up in rules() with the default kept for reference', () => {
    const byName = new Map(enforcer.rules().map((r) => [r.name, r]));
    expect(byName.get('identity:list_users')).toMatchObject({
      check: 'rule:project_auditor or role:admin',
      defaultCheck: identityDefaults.find((r) => r.name === 'identity:list_users')?.check,
      overridden: true,
      description: 'List users.',
    });
    expect(byName.get('project_auditor')).toMatchObject({
      defaultCheck: undefined,
      description: undefined,
      overridden: true,
    });
    expect(enforcer.rules().at(-1)?.name).toBe('project_auditor');
  });
});

describe('definition errors', () => {
  it('rejects a rule registered twice', () => {
    expect(
      () =>
        new PolicyEnforcer({
          defaults: [...personaPolicies, { name: 'admin_required', check: '@', description: '' }],
        }),
    ).toThrow('policy rule "admin_required" is registered twice');
  });

  it('rejects reference cycles, naming them', () => {
    const defaults: PolicyDefault[] = [
      { name: 'a', check: 'role:x or rule:b', description: '' },
      { name: 'b', check: 'not rule:c', description: '' },
      { name: 'c', check: 'rule:a and @', description: '' },
    ];
    expect(() => new PolicyEnforcer({ defaults })).toThrow(
      'policy rules reference each other in a cycle: a -> b -> c -> a',
    );
  });

  it('rejects a rule that references itself', () => {
    expect(
      () => new PolicyEnforcer({ defaults: [{ name: 'a', check: 'rule:a', description: '' }] }),
    ).toThrow('cycle: a -> a');
  });

  it('rejects a cycle an override introduces', () => {
    expect(
      () =>
        new PolicyEnforcer({
          defaults: personaPolicies,
          overrides: { admin_required: 'rule:service_or_admin' },
        }),
    ).toThrow('cycle: admin_required -> service_or_admin -> admin_required');
  });

  it('accepts diamonds, which are not cycles', () => {
    const enforcer = new PolicyEnforcer({
      defaults: [
        { name: 'top', check: 'rule:left and rule:right', description: '' },
        { name: 'left', check: 'rule:base', description: '' },
        { name: 'right', check: 'rule:base', description: '' },
        { name: 'base', check: 'role:x', description: '' },
      ],
    });
    expect(enforcer.enforce('top', {}, { roles: ['x'] })).toBe(true);
  });

  it('treats a reference to a missing rule as false', () => {
    const enforcer = new PolicyEnforcer({
      defaults: [{ name: 'a', check: 'rule:missing or role:x', description: '' }],
    });
    expect(enforcer.enforce('a', {}, { roles: ['y'] })).toBe(false);
    expect(enforcer.enforce('a', {}, { roles: ['x'] })).toBe(true);
  });

  it('reports a syntax error in an override with the rule name', () => {
    let thrown: unknown;
    try {
      new PolicyEnforcer({
        defaults: identityDefaults,
        overrides: { 'identity:list_users': 'role:admin or' },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PolicyParseError);
    expect((thrown as PolicyParseError).ruleName).toBe('identity:list_users');
  });

  it('reports a syntax error in a default', () => {
    expect(
      () => new PolicyEnforcer({ defaults: [{ name: 'x', check: '(role:a', description: '' }] }),
    ).toThrow(/Invalid policy rule "x"/);
  });
});
