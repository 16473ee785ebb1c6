import { describe, expect, it } from 'vitest';
import { PolicyParseError, parseCheckString, printPolicy, referencedRules } from './parser.ts';

const canonical = (text: string): string => printPolicy(parseCheckString(text));

describe('parseCheckString', () => {
  it('treats an empty or blank string as always true', () => {
    expect(parseCheckString('')).toEqual({ type: 'always' });
    expect(parseCheckString('   ')).toEqual({ type: 'always' });
  });

  it('parses @ and !', () => {
    expect(parseCheckString('@')).toEqual({ type: 'always' });
    expect(parseCheckString('!')).toEqual({ type: 'never' });
  });

  it('binds not tighter than and, and tighter than or', () => {
    expect(canonical('role:a or role:b and role:c')).toBe('(role:a or (role:b and role:c))');
    expect(canonical('role:a and role:b or role:c')).toBe('((role:a and role:b) or role:c)');
    expect(canonical('not role:a and role:b')).toBe('(not role:a and role:b)');
    expect(canonical('not role:a or not role:b and role:c')).toBe(
      '(not role:a or (not role:b and role:c))',
    );
    expect(canonical('not not role:a')).toBe('not not role:a');
  });

  it('collects a chain of the same operator into one node', () => {
    const node = parseCheckString('role:a or role:b or role:c');
    expect(node.type).toBe('or');
    expect(node.type === 'or' && node.operands).toHaveLength(3);
  });

  it('lets parentheses override precedence', () => {
    expect(canonical('(role:a or role:b) and role:c')).toBe('((role:a or role:b) and role:c)');
    expect(canonical('not (role:a or role:b)')).toBe('not (role:a or role:b)');
    expect(canonical('((role:a))')).toBe('role:a');
  });

  it('reads keywords case-insensitively', () => {
    expect(canonical('role:a OR role:b And NOT role:c')).toBe(
      '(role:a or (role:b and not role:c))',
    );
  });

  it('keeps %(key)s whole while peeling the parentheses around a word', () => {
    expect(parseCheckString('(project_id:%(project_id)s)')).toEqual({
      type: 'generic',
      credential: { path: ['project_id'] },
      match: [{ target: { flat: 'project_id', segments: ['project_id'] } }],
    });
  });

  it('parses each check kind', () => {
    expect(parseCheckString('rule:identity:get_user')).toEqual({
      type: 'rule',
      name: 'identity:get_user',
    });
    expect(parseCheckString('role:Admin')).toEqual({ type: 'role', role: [{ literal: 'Admin' }] });
    expect(parseCheckString('http://policy.example/check')).toEqual({
      type: 'unsupported',
      kind: 'http',
      match: '//policy.example/check',
    });
    expect(parseCheckString('token.domain.id:%(target.user.domain_id)s')).toEqual({
      type: 'generic',
      credential: { path: ['token', 'domain', 'id'] },
      match: [
        {
          target: {
            flat: 'target.user.domain_id',
            segments: ['target', 'user', 'domain_id'],
          },
        },
      ],
    });
  });

  it('reads quoted and Python-constant left sides as literals', () => {
    const left = (text: string) => {
      const node = parseCheckString(text);
      return node.type === 'generic' ? node.credential : undefined;
    };
    expect(left(`'member':%(role.name)s`)).toEqual({ literal: 'member' });
    expect(left(`"member":%(role.name)s`)).toEqual({ literal: 'member' });
    expect(left('True:%(enabled)s')).toEqual({ literal: 'True' });
    expect(left('is_admin:True')).toEqual({ path: ['is_admin'] });
  });

  it('splits templates into literal text and lookups, honouring %%', () => {
    const node = parseCheckString('name:pre-%(a)s-%(b.c)s-100%%');
    expect(node.type === 'generic' && node.match).toEqual([
      { literal: 'pre-' },
      { target: { flat: 'a', segments: ['a'] } },
      { literal: '-' },
      { target: { flat: 'b.c', segments: ['b', 'c'] } },
      { literal: '-100%' },
    ]);
  });

  it('round-trips through printPolicy', () => {
    const rules = [
      '(role:reader and system_scope:all) or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s',
      `not 'member':%(role.name)s and rule:admin_required`,
      'x:50%% or role:%(wanted)s',
      'is_admin:True or @ or !',
    ];
    for (const rule of rules) {
      const tree = parseCheckString(rule);
      expect(parseCheckString(printPolicy(tree))).toEqual(tree);
    }
  });

  it('lists the rules a tree references', () => {
    expect(
      referencedRules(parseCheckString('rule:a or (rule:b and not rule:c) or role:rule')),
    ).toEqual(['a', 'b', 'c']);
  });
});

describe('parse errors', () => {
  const parseError = (text: string): PolicyParseError => {
    try {
      parseCheckString(text, 'identity:get_user');
    } catch (err) {
      if (err instanceof PolicyParseError) return err;
      throw err;
    }
    throw new Error(`expected ${JSON.stringify(text)} not to parse`);
  };

  it('names the rule, the problem and the column', () => {
    const err = parseError('role:admin or )');
    expect(err.ruleName).toBe('identity:get_user');
    expect(err.column).toBe(15);
    expect(err.message).toBe(
      'Invalid policy rule "identity:get_user": expected a check, found ")" at column 15 in "role:admin or )"',
    );
  });

  it.each([
    ['role:admin or', /expected a check, found the end/],
    ['role:admin and and role:b', /expected a check, found "and"/],
    ['(role:admin', /expected "\)" to close "\(" at column 1/],
    ['role:admin)', /unexpected "\)"/],
    ['role:a role:b', /unexpected check "role:b"/],
    ['()', /expected a check, found "\)"/],
    ['admin', /"admin" is not a check/],
    [':admin', /is not a check/],
    ['not', /found the end/],
    ['rule:', /needs a rule name/],
    ['project_id:%(project_id)', /must start "%\(key\)s"/],
    ['project_id:%s', /must start "%\(key\)s"/],
    ['project_id:%()s', /needs a key/],
  ])('rejects %j', (text, message) => {
    expect(parseError(text).message).toMatch(message);
  });

  it('says "policy check" when no rule name is given', () => {
    expect(() => parseCheckString('or')).toThrow(/^Invalid policy check: /);
  });
});
