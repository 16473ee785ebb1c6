import { describe, expect, it } from 'vitest';
import type { PolicyCredentials } from './credentials.ts';
import { PolicyEnforcer } from './enforcer.ts';
import { allOf, anyOf, persona, personaPolicies } from './personas.ts';

// Effective roles as identity hands them out: implied roles already expanded.
const admin = ['admin', 'manager', 'member', 'reader'];
const member = ['member', 'reader'];
const reader = ['reader'];

const enforcer = new PolicyEnforcer({
  defaults: [
    ...personaPolicies,
    {
      name: 'os_compute_api:servers:show',
      check: anyOf(persona.projectReader, persona.admin),
      description: 'Show a server.',
    },
    {
      name: 'os_compute_api:servers:delete',
      check: allOf(persona.projectMember, 'not role:restricted'),
      description: 'Delete a server.',
    },
  ],
});

const onProject = (roles: string[], projectId = 'p1'): PolicyCredentials => ({
  project_id: projectId,
  roles,
});
const server = { project_id: 'p1' };

describe('persona rules', () => {
  it('define every rule the persona references point to', () => {
    for (const ref of Object.values(persona)) {
      expect(enforcer.has(ref.slice('rule:'.length))).toBe(true);
    }
  });

  it('rank admin over member over reader on a project', () => {
    const passes = (rule: string, roles: string[]) =>
      enforcer.enforce(rule, server, onProject(roles));
    expect([admin, member, reader].map((r) => passes('project_reader', r))).toEqual([
      true,
      true,
      true,
    ]);
    expect([admin, member, reader].map((r) => passes('project_member', r))).toEqual([
      true,
      true,
      false,
    ]);
    expect([admin, member, reader].map((r) => passes('project_admin', r))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('scope project personas to the target project', () => {
    expect(enforcer.enforce('project_reader', server, onProject(admin, 'p2'))).toBe(false);
    expect(enforcer.enforce('admin_or_owner', server, onProject(reader))).toBe(true);
    expect(enforcer.enforce('admin_or_owner', server, onProject(reader, 'p2'))).toBe(false);
    expect(enforcer.enforce('admin_or_owner', server, onProject(admin, 'p2'))).toBe(true);
  });

  it('require a system-scoped token for the system personas', () => {
    expect(enforcer.enforce('system_reader', {}, { roles: reader, system_scope: 'all' })).toBe(
      true,
    );
    expect(enforcer.enforce('system_reader', {}, onProject(admin))).toBe(false);
    expect(enforcer.enforce('system_admin', {}, { roles: member, system_scope: 'all' })).toBe(
      false,
    );
  });

  it('tell services apart from admins', () => {
    expect(enforcer.enforce('service_or_admin', {}, { roles: ['service'] })).toBe(true);
    expect(enforcer.enforce('service_role', {}, { roles: admin })).toBe(false);
    expect(enforcer.enforce('context_is_admin', {}, { roles: admin })).toBe(true);
  });

  it('compose with service rules through anyOf/allOf', () => {
    expect(enforcer.enforce('os_compute_api:servers:show', server, onProject(reader))).toBe(true);
    expect(enforcer.enforce('os_compute_api:servers:show', server, onProject(reader, 'p2'))).toBe(
      false,
    );
    expect(enforcer.enforce('os_compute_api:servers:delete', server, onProject(member))).toBe(true);
    expect(
      enforcer.enforce(
        'os_compute_api:servers:delete',
        server,
        onProject([...member, 'restricted']),
      ),
    ).toBe(false);
    expect(anyOf('', 'role:a')).toBe('@ or (role:a)');
  });
});
