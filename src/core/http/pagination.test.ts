import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { nextPageUrl, parsePageQuery } from './pagination.ts';

const opts = { defaultLimit: 20, maxLimit: 100 };

describe('parsePageQuery', () => {
  it('uses the default limit and no marker when none is given', () => {
    expect(parsePageQuery({}, opts)).toEqual({ limit: 20, marker: undefined });
    expect(parsePageQuery({ limit: '', marker: '' }, opts)).toEqual({
      limit: 20,
      marker: undefined,
    });
  });

  it('reads limit and marker from text or coerced numbers', () => {
    expect(parsePageQuery({ limit: '5', marker: 'abc' }, opts)).toEqual({
      limit: 5,
      marker: 'abc',
    });
    expect(parsePageQuery({ limit: 7 }, opts)).toEqual({ limit: 7, marker: undefined });
    expect(parsePageQuery({ limit: '0' }, opts).limit).toBe(0);
  });

  it('caps the limit at the maximum instead of failing', () => {
    expect(parsePageQuery({ limit: '5000' }, opts).limit).toBe(100);
  });

  it.each(['-1', 'abc', '1.5', 'NaN', 'Infinity'])(
    'answers 400 naming the field for limit=%j',
    (limit) => {
      let caught: unknown;
      try {
        parsePageQuery({ limit }, opts);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ApiError);
      expect((caught as ApiError).status).toBe(400);
      expect((caught as ApiError).message).toContain("'limit'");
    },
  );

  it('rejects a limit given twice', () => {
    expect(() => parsePageQuery({ limit: ['1', '2'] }, opts)).toThrow(ApiError);
  });
});

describe('nextPageUrl', () => {
  const base = 'http://cloud.example:5000';

  it('links the next page when the page is full, keeping other parameters', () => {
    const next = nextPageUrl('/v3/users?name=bob&limit=2', base, {
      limit: 2,
      count: 2,
      lastMarker: 'u2',
    });
    const url = new URL(next!);
    expect(url.origin).toBe(base);
    expect(url.pathname).toBe('/v3/users');
    expect(url.searchParams.get('name')).toBe('bob');
    expect(url.searchParams.get('limit')).toBe('2');
    expect(url.searchParams.get('marker')).toBe('u2');
  });

  it('replaces an earlier marker rather than repeating it', () => {
    const next = nextPageUrl('/v3/users?marker=u2&limit=2', base, {
      limit: 2,
      count: 2,
      lastMarker: 'u4',
    });
    expect(new URL(next!).searchParams.getAll('marker')).toEqual(['u4']);
  });

  it('encodes a marker that needs escaping', () => {
    const next = nextPageUrl('/v2/images', base, { limit: 1, count: 1, lastMarker: 'a b&c' });
    expect(new URL(next!).searchParams.get('marker')).toBe('a b&c');
  });

  it('has no next link for a short page, an empty page, or limit 0', () => {
    expect(
      nextPageUrl('/v3/users', base, { limit: 2, count: 1, lastMarker: 'u1' }),
    ).toBeUndefined();
    expect(
      nextPageUrl('/v3/users', base, { limit: 2, count: 0, lastMarker: undefined }),
    ).toBeUndefined();
    expect(nextPageUrl('/v3/users', base, { limit: 0, count: 0, lastMarker: 'x' })).toBeUndefined();
  });

  it('keeps the link on our own host even when the request path starts with //', () => {
    // A path like //evil.example/... parsed relative to the base would change the host.
    const next = nextPageUrl('//evil.example/v3/users?limit=1', base, {
      limit: 1,
      count: 1,
      lastMarker: 'u1',
    });
    const url = new URL(next!);
    expect(url.origin).toBe(base);
    expect(url.pathname).toBe('//evil.example/v3/users');
  });
});
