import { describe, expect, it } from 'vitest';
import {
  comparisonLines,
  countsLine,
  failureLines,
  isFinishedTestLine,
  skipReasonLines,
  tempestTotals,
} from './report.ts';
import type { TestResult } from './test-results.ts';

const consoleTail = `{1} tempest.api.identity.v3.test_api_discovery.TestApiDiscovery.test_list_api_versions [0.04s] ... ok

======
Totals
======
Ran: 8 tests in 1.2142 sec.
 - Passed: 6
 - Skipped: 1
 - Failed: 1
Sum of execute time for each test: 0.5572 sec.

==============
Worker Balance
==============
 - Worker 0 (3 tests) => 0:00:01.214220
`;

const result = (id: string, status: TestResult['status'], reason = ''): TestResult => ({
  id,
  uuid: '',
  status,
  durationSeconds: 0,
  reason,
  origin: 'test',
});

describe('report', () => {
  it("extracts tempest's totals block", () => {
    expect(tempestTotals(consoleTail)).toEqual([
      'Ran: 8 tests in 1.2142 sec.',
      ' - Passed: 6',
      ' - Skipped: 1',
      ' - Failed: 1',
      'Sum of execute time for each test: 0.5572 sec.',
    ]);
    expect(tempestTotals('no totals here')).toEqual([]);
  });

  it('recognises the live line of a finished test', () => {
    expect(isFinishedTestLine('{0} a.B.test_x [0.1s] ... ok')).toBe(true);
    expect(isFinishedTestLine('{0} a.B.test_x [0.1s] ... FAILED')).toBe(true);
    expect(isFinishedTestLine('{0} setUpClass (a.B) ... SKIPPED: no v2')).toBe(true);
    expect(isFinishedTestLine('Captured traceback:')).toBe(false);
  });

  it('prints the final counts line in the agreed shape', () => {
    expect(countsLine({ passed: 137, failed: 1, skipped: 97 })).toBe(
      '137 passed, 1 failed, 97 skipped',
    );
  });

  it('lists failures with their reason and groups skip reasons by frequency', () => {
    const tests = [
      result('a.B.test_1', 'failed', 'E: one'),
      result('a.B.test_2', 'skipped', 'no v2'),
      result('a.B.test_3', 'skipped', 'no v2'),
      result('a.B.test_4', 'skipped'),
      result('a.B.test_5', 'passed'),
    ];
    expect(failureLines(tests)).toEqual(['FAIL a.B.test_1', '     E: one']);
    expect(skipReasonLines(tests)).toEqual(['    2  no v2', '    1  (no reason given)']);
    expect(failureLines([...tests, result('a.B.test_6', 'failed')], 1)).toEqual([
      'FAIL a.B.test_1',
      '     E: one',
      '… and 1 more failures',
    ]);
  });

  it('lists failed expected tests fully but unselected ones only as a count with examples', () => {
    const lines = comparisonLines(
      {
        expected: 4,
        passedAsExpected: 1,
        notPassing: [
          { expected: { uuid: 'u1', testId: 'a.B.t1' }, status: 'failed', reason: 'E: x' },
          { expected: { uuid: 'u2', testId: 'a.B.t2' }, status: 'not selected', reason: '' },
          { expected: { uuid: 'u3', testId: 'a.B.t3' }, status: 'not selected', reason: '' },
        ],
        newlyPassing: [{ ...result('a.B.t9', 'passed'), uuid: 'u9' }],
      },
      'expected/identity.txt',
      1,
    );
    expect(lines).toEqual([
      'expected to pass (expected/identity.txt): 1/4 passed',
      'NOT PASSING (failed) a.B.t1',
      '     E: x',
      'NOT SELECTED 2 expected tests (widen --regex, or use --no-compare), e.g.:',
      '  a.B.t2',
      'passing but not on the list (1), add them:',
      '  u9 a.B.t9',
    ]);
  });
});
