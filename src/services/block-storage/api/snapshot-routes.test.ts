import { describe, expect, it } from 'vitest';
import { parseMetadataFilter } from './snapshot-routes.ts';

describe('parseMetadataFilter (the snapshot list metadata filter)', () => {
  it('reads a Python dict literal as pairs', () => {
    expect(parseMetadataFilter("{'k': 'v'}")).toEqual({ k: 'v' });
  });

  // A nested dict came out of the literal parser with no prototype and String() of it threw: a 500.
  it('keeps nested values as text that matches no stored value, rather than failing', () => {
    expect(parseMetadataFilter("{'k': {'n': 1}}")).toEqual({ k: '{"n":1}' });
    expect(parseMetadataFilter('{"k": [1, None]}')).toEqual({ k: '[1,null]' });
  });

  it('matches nothing when the text is no dict', () => {
    expect(parseMetadataFilter('[1]')).toBeNull();
    expect(parseMetadataFilter('{not a dict')).toBeNull();
  });
});
