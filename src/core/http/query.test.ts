import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { parseBoolParam, parseSort, pickFilters, type SortKey } from './query.ts';

const sortOpts = {
  allowed: ['name', 'created_at', 'status', 'id'],
  defaultKeys: [{ key: 'created_at', dir: 'desc' }] as SortKey[],
};

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).message;
  }
  throw new Error('expected a 400');
}

describe('parseSort', () => {
  it('falls back to the default keys', () => {
    expect(parseSort({}, sortOpts)).toEqual([{ key: 'created_at', dir: 'desc' }]);
  });

  it('reads the sort=key:dir,key spelling', () => {
    expect(parseSort({ sort: 'name:desc,status' }, sortOpts)).toEqual([
      { key: 'name', dir: 'desc' },
      { key: 'status', dir: 'asc' },
    ]);
    expect(parseSort({ sort: ['name:ASC', 'id:Desc'] }, sortOpts)).toEqual([
      { key: 'name', dir: 'asc' },
      { key: 'id', dir: 'desc' },
    ]);
  });

  it('reads repeated sort_key/sort_dir pairs', () => {
    expect(parseSort({ sort_key: ['name', 'id'], sort_dir: ['desc', 'asc'] }, sortOpts)).toEqual([
      { key: 'name', dir: 'desc' },
      { key: 'id', dir: 'asc' },
    ]);
  });

  it('applies a single sort_dir to every sort_key', () => {
    expect(parseSort({ sort_key: ['name', 'id'], sort_dir: 'desc' }, sortOpts)).toEqual([
      { key: 'name', dir: 'desc' },
      { key: 'id', dir: 'desc' },
    ]);
  });

  it('uses the default direction when none is given', () => {
    expect(parseSort({ sort_key: 'name' }, sortOpts)).toEqual([{ key: 'name', dir: 'asc' }]);
    expect(parseSort({ sort_key: 'name' }, { ...sortOpts, defaultDir: 'desc' })).toEqual([
      { key: 'name', dir: 'desc' },
    ]);
  });

  it('applies a sort_dir without sort_key to the default keys, as Nova does', () => {
    expect(parseSort({ sort_dir: 'asc' }, sortOpts)).toEqual([{ key: 'created_at', dir: 'asc' }]);
  });

  it('answers 400 naming an unknown key', () => {
    expect(badRequestMessage(() => parseSort({ sort: 'password:asc' }, sortOpts))).toContain(
      'password',
    );
    expect(badRequestMessage(() => parseSort({ sort_key: 'secret' }, sortOpts))).toContain(
      'secret',
    );
    expect(badRequestMessage(() => parseSort({ sort: ':asc' }, sortOpts))).toContain('sort key');
  });

  it('answers 400 naming an unknown direction, also without a sort_key', () => {
    expect(badRequestMessage(() => parseSort({ sort: 'name:up' }, sortOpts))).toContain('up');
    expect(
      badRequestMessage(() => parseSort({ sort_key: 'name', sort_dir: 'sideways' }, sortOpts)),
    ).toContain('sideways');
    expect(badRequestMessage(() => parseSort({ sort_dir: 'sideways' }, sortOpts))).toContain(
      'sideways',
    );
  });

  it('refuses to mix the two spellings and surplus directions', () => {
    expect(badRequestMessage(() => parseSort({ sort: 'name', sort_key: 'id' }, sortOpts))).toMatch(
      /combined/,
    );
    expect(badRequestMessage(() => parseSort({ sort: 'name', sort_dir: 'asc' }, sortOpts))).toMatch(
      /combined/,
    );
    expect(badRequestMessage(() => parseSort({ sort_dir: ['asc', 'desc'] }, sortOpts))).toMatch(
      /more sort_dir/,
    );
    expect(
      badRequestMessage(() => parseSort({ sort_key: 'name', sort_dir: ['asc', 'desc'] }, sortOpts)),
    ).toMatch(/more sort_dir/);
  });
});

describe('pickFilters', () => {
  it('keeps only the declared filters, repeated ones as lists', () => {
    const query = {
      name: 'web',
      status: ['ACTIVE', 'ERROR'],
      limit: '5',
      bogus: 'x',
      enabled: true,
    };
    expect(pickFilters(query, ['name', 'status', 'enabled', 'missing'])).toEqual({
      name: 'web',
      status: ['ACTIVE', 'ERROR'],
      enabled: 'true',
    });
  });

  it('keeps an empty value, which filters for empty', () => {
    expect(pickFilters({ description: '' }, ['description'])).toEqual({ description: '' });
  });
});

describe('parseBoolParam', () => {
  it.each(['1', 'true', 'True', 'T', 'yes', 'Y', 'on', ' TRUE '])('reads %j as true', (v) => {
    expect(parseBoolParam('enabled', v)).toBe(true);
  });

  it.each(['0', 'false', 'False', 'f', 'no', 'N', 'off'])('reads %j as false', (v) => {
    expect(parseBoolParam('enabled', v)).toBe(false);
  });

  it('passes booleans coerced by the query validator and absent values through', () => {
    expect(parseBoolParam('enabled', true)).toBe(true);
    expect(parseBoolParam('enabled', false)).toBe(false);
    expect(parseBoolParam('enabled', undefined)).toBeUndefined();
  });

  it('answers 400 naming the parameter and the value', () => {
    const message = badRequestMessage(() => parseBoolParam('is_domain', 'maybe'));
    expect(message).toContain('is_domain');
    expect(message).toContain('maybe');
    badRequestMessage(() => parseBoolParam('enabled', ''));
  });
});
