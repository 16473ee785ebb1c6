import { describe, expect, it } from 'vitest';
import { parsePythonLiteral } from './python-literal.ts';

describe('parsePythonLiteral', () => {
  it('reads the dict repr clients send for metadata filters', () => {
    expect(parsePythonLiteral("{'Type': 'work'}")).toEqual({ Type: 'work' });
    expect(parsePythonLiteral('{"a": "b", \'c\': 1, \'d\': True, \'e\': None}')).toEqual({ a: 'b', c: 1, d: true, e: null });
  });

  it('reads numbers, booleans, lists and tuples', () => {
    expect(parsePythonLiteral('1')).toBe(1);
    expect(parsePythonLiteral('-2.5')).toBe(-2.5);
    expect(parsePythonLiteral('False')).toBe(false);
    expect(parsePythonLiteral("['a', 'b']")).toEqual(['a', 'b']);
    expect(parsePythonLiteral('(1, 2,)')).toEqual([1, 2]);
    expect(parsePythonLiteral("'it\\'s'")).toBe("it's");
  });

  it('keeps text that is not a literal, as literal_eval falling back does', () => {
    for (const text of ['null', 'available', 'true', '{broken', "{'a': }", '1 2', '', 'None!']) {
      expect(parsePythonLiteral(text)).toBe(text);
    }
  });
});
