import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyEnforcer, PolicyError } from './enforcer.ts';
import { loadPolicyFile, policyOverrides } from './policy-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadPolicyFile', () => {
  it('reads an oslo policy.yaml', () => {
    const path = write(
      'policy.yaml',
      [
        '# operator overrides',
        '"identity:list_users": "role:admin or rule:auditor"',
        'auditor: role:auditor',
        'is_admin_check: is_admin_project:True',
        '"identity:get_user": ""',
        "owner: 'user_id:%(target.user.id)s'",
      ].join('\n'),
    );
    expect(loadPolicyFile(path)).toEqual({
      'identity:list_users': 'role:admin or rule:auditor',
      auditor: 'role:auditor',
      is_admin_check: 'is_admin_project:True',
      'identity:get_user': '',
      owner: 'user_id:%(target.user.id)s',
    });
  });

  it('reads a legacy policy.json', () => {
    const path = write('policy.json', '{\n\t"admin_required": "role:admin",\n\t"x": "@"\n}');
    expect(loadPolicyFile(path)).toEqual({ admin_required: 'role:admin', x: '@' });
  });

  it('treats an empty or comment-only file as no overrides', () => {
    expect(loadPolicyFile(write('empty.yaml', ''))).toEqual({});
    expect(loadPolicyFile(write('comments.yaml', '# nothing here\n'))).toEqual({});
  });

  it('converts the old list syntax to a check string', () => {
    const path = write(
      'lists.json',
      JSON.stringify({
        a: [['role:admin'], ['project_id:%(project_id)s', 'role:member']],
        b: [],
        c: [[]],
        d: ['role:admin', ''],
      }),
    );
    const overrides = loadPolicyFile(path);
    expect(overrides).toEqual({
      a: '(role:admin) or (project_id:%(project_id)s and role:member)',
      b: '',
      c: '!',
      d: '(role:admin)',
    });
    const enforcer = new PolicyEnforcer({ defaults: [], overrides });
    expect(
      enforcer.enforce('a', { project_id: 'p1' }, { project_id: 'p1', roles: ['member'] }),
    ).toBe(true);
    expect(
      enforcer.enforce('a', { project_id: 'p2' }, { project_id: 'p1', roles: ['member'] }),
    ).toBe(false);
    expect(enforcer.enforce('b', {}, {})).toBe(true);
    expect(enforcer.enforce('c', {}, { roles: ['admin'] })).toBe(false);
  });

  it('names the file when it is missing or malformed', () => {
    expect(() => loadPolicyFile(join(dir, 'absent.yaml'))).toThrow(
      /cannot read policy file .*absent\.yaml/,
    );
    expect(() => loadPolicyFile(write('bad.yaml', 'a: [unclosed\n'))).toThrow(
      /policy file .*bad\.yaml is not valid/,
    );
    expect(() => loadPolicyFile(write('bad.json', '{"a": '))).toThrow(PolicyError);
    expect(() => loadPolicyFile(write('dup.yaml', 'a: role:x\na: role:y\n'))).toThrow(PolicyError);
  });

  it('rejects a document that is not a mapping of strings', () => {
    expect(() => loadPolicyFile(write('list.yaml', '- role:admin\n'))).toThrow(
      /must map rule names to check strings/,
    );
    expect(() => loadPolicyFile(write('num.yaml', 'a: 1\n'))).toThrow(
      /rule "a" must be a check string \(got 1\)/,
    );
    expect(() => policyOverrides({ a: [[{ role: 'x' }]] }, 'inline')).toThrow(
      /rule "a" list syntax needs lists of single checks/,
    );
  });
});
