import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithExpected, parseExpectedList } from './expected-passes.ts';
import type { TestResult } from './test-results.ts';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const U3 = '33333333-3333-3333-3333-333333333333';

describe('parseExpectedList', () => {
  it('reads uuid + test id lines and ignores comments and blank lines', () => {
    const list = parseExpectedList(
      `# header\n\n${U1} a.B.test_1[id-${U1}]\n  ${U2} a.B.test_2[id-${U2},smoke]  \n`,
    );
    expect(list).toEqual([
      { uuid: U1, testId: `a.B.test_1[id-${U1}]` },
      { uuid: U2, testId: `a.B.test_2[id-${U2},smoke]` },
    ]);
  });

  it('rejects malformed lines, mismatched ids and duplicates, naming the line', () => {
    expect(() => parseExpectedList(`${U1}`)).toThrow(/line 1: expected/);
    expect(() => parseExpectedList(`not-a-uuid a.B.test_1`)).toThrow(/line 1/);
    expect(() => parseExpectedList(`# x\n${U1} a.B.test_1[id-${U2}]`)).toThrow(
      /line 2: .* does not match/,
    );
    expect(() => parseExpectedList(`${U1} a.B.t[id-${U1}]\n${U1} a.B.u[id-${U1}]`)).toThrow(
      /line 2: .* listed twice/,
    );
  });

  it('the shipped identity list holds the 137 v3 tests that pass on the real Keystone', () => {
    const file = path.join(import.meta.dirname, 'expected', 'identity.txt');
    const list = parseExpectedList(readFileSync(file, 'utf8'));
    expect(list).toHaveLength(137);
    expect(list.every((t) => t.testId.startsWith('tempest.api.identity.'))).toBe(true);
    expect(list.some((t) => t.testId.includes('.v2.'))).toBe(false);
    // the PATCH /v3/credentials test fails on the security-patched reference
    expect(list.some((t) => t.uuid === '7cd59bf9-bda4-4c72-9467-d21cab278355')).toBe(false);
  });
});

describe('compareWithExpected', () => {
  const result = (id: string, status: TestResult['status'], reason = ''): TestResult => ({
    id,
    uuid: /id-([0-9a-f-]{36})/.exec(id)?.[1] ?? '',
    status,
    durationSeconds: 1,
    reason,
    origin: 'test',
  });
  const expected = parseExpectedList(
    `${U1} a.B.test_1[id-${U1}]\n${U2} a.B.test_2[id-${U2}]\n${U3} a.B.test_3[id-${U3}]`,
  );

  it('lists expected tests that failed, were skipped or were not selected', () => {
    const comparison = compareWithExpected(expected, [
      result(`a.B.test_1[id-${U1}]`, 'passed'),
      result(`a.B.test_2[id-${U2}]`, 'failed', 'E: boom'),
    ]);
    expect(comparison.expected).toBe(3);
    expect(comparison.passedAsExpected).toBe(1);
    expect(comparison.notPassing.map((m) => [m.expected.uuid, m.status, m.reason])).toEqual([
      [U2, 'failed', 'E: boom'],
      [U3, 'not selected', ''],
    ]);
  });

  it('matches by idempotent id, so a renamed test still counts', () => {
    const comparison = compareWithExpected(expected.slice(0, 1), [
      result(`a.B.test_renamed[id-${U1}]`, 'passed'),
    ]);
    expect(comparison.notPassing).toEqual([]);
    expect(comparison.newlyPassing).toEqual([]);
  });

  it('reports passing tests that are not on the list', () => {
    const extra = result('a.B.test_new[id-44444444-4444-4444-4444-444444444444]', 'passed');
    const comparison = compareWithExpected(expected.slice(0, 1), [
      result(`a.B.test_1[id-${U1}]`, 'passed'),
      extra,
    ]);
    expect(comparison.newlyPassing).toEqual([extra]);
  });
});
