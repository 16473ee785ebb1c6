import { describe, expect, it } from 'vitest';
import { policyString, targetLookup, targetPath } from './credentials.ts';

describe('targetLookup', () => {
  it('finds flat keys, nested paths, and prefers the flat key', () => {
    const lookup = targetLookup({
      project_id: 'p1',
      'target.user.id': 'flat',
      target: { user: { id: 'nested', domain_id: 'd1' } },
    });
    expect(lookup(targetPath('project_id'))).toBe('p1');
    expect(lookup(targetPath('target.user.id'))).toBe('flat');
    expect(lookup(targetPath('target.user.domain_id'))).toBe('d1');
  });

  it('returns undefined for missing keys and for containers', () => {
    const lookup = targetLookup({ target: { user: { id: 'u1' } }, list: ['a'] });
    expect(lookup(targetPath('target.project.id'))).toBeUndefined();
    expect(lookup(targetPath('target.user'))).toBeUndefined();
    expect(lookup(targetPath('list'))).toBeUndefined();
    expect(lookup(targetPath('nope'))).toBeUndefined();
    expect(lookup(targetPath('toString'))).toBeUndefined();
  });
});

describe('policyString', () => {
  it('prints values the way Python str() does', () => {
    expect(policyString('x')).toBe('x');
    expect(policyString(true)).toBe('True');
    expect(policyString(false)).toBe('False');
    expect(policyString(null)).toBe('None');
    expect(policyString(42)).toBe('42');
    expect(policyString(undefined)).toBeUndefined();
    expect(policyString({})).toBeUndefined();
  });
});
