import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledCheck } from './compile.ts';
import type { PolicyCredentials, PolicyTarget } from './credentials.ts';
import { parseCheckString } from './parser.ts';

const check = (text: string, rules: Record<string, CompiledCheck> = {}): CompiledCheck =>
  compilePolicy(parseCheckString(text), (name) => rules[name]);
const passes = (text: string, target: PolicyTarget, creds: PolicyCredentials): boolean =>
  check(text)(target, creds);

const projectMember: PolicyCredentials = {
  user_id: 'u1',
  user_domain_id: 'd1',
  project_id: 'p1',
  project_domain_id: 'd1',
  roles: ['member', 'reader'],
  is_admin_project: false,
};

describe('always, never and boolean operators', () => {
  it('evaluates @, ! and the empty rule', () => {
    expect(passes('@', {}, {})).toBe(true);
    expect(passes('', {}, {})).toBe(true);
    expect(passes('!', {}, {})).toBe(false);
  });

  it('evaluates and, or, not with the right precedence', () => {
    // Parsed as @ or (! and !): true. Left to right without precedence it would be false.
    expect(passes('@ or ! and !', {}, {})).toBe(true);
    expect(passes('(@ or !) and !', {}, {})).toBe(false);
    expect(passes('not ! and @', {}, {})).toBe(true);
    expect(passes('not (@ and !)', {}, {})).toBe(true);
    expect(passes('! or ! or ! or @', {}, {})).toBe(true);
    expect(passes('@ and @ and @ and !', {}, {})).toBe(false);
  });
});

describe('role checks', () => {
  it('matches role names case-insensitively either way round', () => {
    expect(passes('role:MEMBER', {}, projectMember)).toBe(true);
    expect(passes('role:member', {}, { roles: ['Member'] })).toBe(true);
    expect(passes('role:admin', {}, projectMember)).toBe(false);
  });

  it('is false without roles in the credentials', () => {
    expect(passes('role:member', {}, {})).toBe(false);
  });

  it('interpolates the role name from the target', () => {
    expect(passes('role:%(required)s', { required: 'Reader' }, projectMember)).toBe(true);
    expect(passes('role:%(required)s', { required: 'admin' }, projectMember)).toBe(false);
    expect(passes('role:%(required)s', {}, projectMember)).toBe(false);
  });
});

describe('rule references', () => {
  it('calls the referenced compiled rule', () => {
    const rules = { admin_required: check('role:admin') };
    expect(check('rule:admin_required', rules)({}, { roles: ['admin'] })).toBe(true);
    expect(check('rule:admin_required', rules)({}, projectMember)).toBe(false);
  });

  it('is false for a rule that does not exist, even under not', () => {
    expect(passes('rule:nope', {}, projectMember)).toBe(false);
    expect(passes('not rule:nope', {}, projectMember)).toBe(true);
  });
});

describe('generic checks', () => {
  it('compares a credential field with a constant', () => {
    expect(passes('system_scope:all', {}, { system_scope: 'all' })).toBe(true);
    expect(passes('system_scope:all', {}, projectMember)).toBe(false);
  });

  it('prints booleans and null the way Python does', () => {
    expect(passes('is_admin_project:True', {}, { is_admin_project: true })).toBe(true);
    expect(passes('is_admin_project:True', {}, { is_admin_project: false })).toBe(false);
    expect(passes('is_admin_project:False', {}, { is_admin_project: false })).toBe(true);
    expect(passes('is_admin:true', {}, { is_admin: true })).toBe(false);
    expect(passes('parent_id:None', {}, { parent_id: null })).toBe(true);
    expect(passes('max:3', {}, { max: 3 })).toBe(true);
  });

  it('compares with a target value looked up flat or nested', () => {
    const rule = 'user_id:%(target.user.id)s';
    expect(passes(rule, { 'target.user.id': 'u1' }, projectMember)).toBe(true);
    expect(passes(rule, { target: { user: { id: 'u1' } } }, projectMember)).toBe(true);
    expect(passes(rule, { target: { user: { id: 'u2' } } }, projectMember)).toBe(false);
  });

  it('is false, not an error, when the target key is missing', () => {
    const rule = 'project_id:%(project_id)s';
    expect(passes(rule, {}, projectMember)).toBe(false);
    expect(passes(rule, { project_id: undefined }, projectMember)).toBe(false);
    expect(passes('user_id:%(target.user.id)s', { target: { user: 'u1' } }, projectMember)).toBe(
      false,
    );
    expect(passes(`not project_id:%(project_id)s`, {}, projectMember)).toBe(true);
  });

  it('is false when the credential path is missing', () => {
    expect(passes('domain_id:%(domain_id)s', { domain_id: 'd1' }, projectMember)).toBe(false);
    expect(passes('token.domain.id:d1', {}, projectMember)).toBe(false);
    expect(passes('project_id.x:p1', {}, projectMember)).toBe(false);
  });

  it('does not mistake inherited properties for fields', () => {
    expect(passes('constructor.name:Object', {}, projectMember)).toBe(false);
    expect(passes('x:%(constructor.name)s', {}, { x: 'Object' })).toBe(false);
  });

  it('follows a dotted credential path', () => {
    const creds: PolicyCredentials = { roles: [], token: { domain: { id: 'd9' } } };
    expect(passes('token.domain.id:%(domain_id)s', { domain_id: 'd9' }, creds)).toBe(true);
    expect(passes('token.domain.id:%(domain_id)s', { domain_id: 'd1' }, creds)).toBe(false);
  });

  it('passes when any element of a list credential matches', () => {
    const creds: PolicyCredentials = {
      group_ids: ['g1', 'g2'],
      token: { groups: [{ id: 'g3' }, { id: 'g4' }] },
    };
    expect(passes('group_ids:%(group_id)s', { group_id: 'g2' }, creds)).toBe(true);
    expect(passes('group_ids:%(group_id)s', { group_id: 'g3' }, creds)).toBe(false);
    expect(passes('token.groups.id:g4', {}, creds)).toBe(true);
    expect(passes('token.groups.id:g5', {}, creds)).toBe(false);
  });

  it('compares a quoted literal with the interpolated target', () => {
    expect(passes(`'member':%(role.name)s`, { 'role.name': 'member' }, {})).toBe(true);
    expect(passes(`'member':%(role.name)s`, { role: { name: 'admin' } }, {})).toBe(false);
    expect(passes(`'member':%(role.name)s`, {}, {})).toBe(false);
    expect(passes('True:%(enabled)s', { enabled: true }, {})).toBe(true);
  });

  it('interpolates several keys and literal text', () => {
    const rule = 'name:%(kind)s-%(id)s';
    expect(passes(rule, { kind: 'vm', id: 7 }, { name: 'vm-7' })).toBe(true);
    expect(passes(rule, { kind: 'vm' }, { name: 'vm-' })).toBe(false);
  });
});

describe('unsupported check kinds', () => {
  it('evaluates http: and https: checks as false', () => {
    expect(passes('http://policy.example/', {}, projectMember)).toBe(false);
    expect(passes('https://policy.example/', {}, projectMember)).toBe(false);
    expect(passes('http://x or role:member', {}, projectMember)).toBe(true);
  });
});

describe('a realistic Keystone rule', () => {
  const getUser = check(
    '(role:reader and system_scope:all) or ' +
      '(role:reader and token.domain.id:%(target.user.domain_id)s) or ' +
      'user_id:%(target.user.id)s',
  );
  const target = { 'target.user.domain_id': 'd1', 'target.user.id': 'u7' };

  it('lets a system reader in', () => {
    expect(getUser(target, { user_id: 'u1', roles: ['reader'], system_scope: 'all' })).toBe(true);
  });

  it('lets a domain reader of the user’s domain in, but not of another domain', () => {
    const domainReader = (id: string): PolicyCredentials => ({
      user_id: 'u1',
      domain_id: id,
      roles: ['Reader'],
      token: { domain: { id } },
    });
    expect(getUser(target, domainReader('d1'))).toBe(true);
    expect(getUser(target, domainReader('d2'))).toBe(false);
  });

  it('lets users read themselves, and nobody else in', () => {
    expect(getUser(target, { user_id: 'u7', roles: [] })).toBe(true);
    expect(getUser(target, projectMember)).toBe(false);
  });
});
