import { describe, expect, it } from 'vitest';
import {
  areaSummaryLine,
  comparisonLines,
  countsLine,
  failureLines,
  interopLines,
  isFinishedTestLine,
  needsAnotherServiceLines,
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

describe('needsAnotherServiceLines', () => {
  const test = (n: number) => ({
    uuid: `0000000${n}-0000-0000-0000-000000000000`,
    testId: `a.B.test_${n}`,
  });
  it('counts the waiting tests per service by status, and names any that did not skip', () => {
    expect(
      needsAnotherServiceLines([
        {
          service: 'compute',
          tests: [
            { expected: test(1), status: 'skipped' },
            { expected: test(2), status: 'skipped' },
            { expected: test(3), status: 'failed' },
          ],
        },
        { service: 'network', tests: [] },
      ]),
    ).toEqual([
      'needs another service: 3 expected tests need compute, absent from the catalog (2 skipped, 1 failed); not counted',
      '  FAILED although compute is absent: a.B.test_3',
    ]);
  });
});

describe('interopLines', () => {
  it('prints passed/required and each id that did not pass, with what it waits for', () => {
    expect(
      interopLines(
        {
          prefix: 'tempest.api.volume.',
          required: 3,
          passed: 1,
          missing: [
            {
              uuid: 'u2',
              testNames: ['tempest.api.volume.A.test_2', 'tempest.api.volume.AV2.test_2'],
              capability: 'volumes-v3-list',
              status: 'failed',
              reason: 'x',
            },
            {
              uuid: 'u3',
              testNames: ['tempest.api.volume.A.test_3'],
              capability: 'volumes-v3-attach',
              status: 'skipped',
              reason: 'no nova',
              needs: 'compute',
            },
          ],
        },
        'interop-2022.11-platform',
      ),
    ).toEqual([
      'interop interop-2022.11-platform (tempest.api.volume.*): 1/3 required ids passed',
      '  FAILED [volumes-v3-list] tempest.api.volume.A.test_2',
      '  SKIPPED, needs compute [volumes-v3-attach] tempest.api.volume.A.test_3',
    ]);
    expect(interopLines({ prefix: 'p', required: 0, passed: 0, missing: [] }, 'g')).toEqual([]);
  });

  it('counts the required ids the run did not select, with a few examples', () => {
    const notRun = (n: number) => ({
      uuid: `u${n}`,
      testNames: [`t.T.test_${n}`],
      capability: 'c',
      status: 'not run' as const,
      reason: '',
    });
    expect(
      interopLines(
        { prefix: 'p.', required: 4, passed: 0, missing: [1, 2, 3, 4].map(notRun) },
        'g',
        2,
      ),
    ).toEqual([
      'interop g (p.*): 0/4 required ids passed',
      '  NOT RUN 4 required ids, e.g.:',
      '    [c] t.T.test_1',
      '    [c] t.T.test_2',
    ]);
  });
});

describe('areaSummaryLine', () => {
  it('sums up an area from its results.json', () => {
    expect(
      areaSummaryLine(
        'volume',
        {
          summary: { passed: 180, failed: 5, skipped: 32 },
          comparison: { expected: 190, passedAsExpected: 185 },
          needsAnotherService: [{ service: 'compute', tests: [1, 2, 3, 4, 5, 6] }],
          interop: { required: 65, passed: 60 },
        },
        1,
      ),
    ).toBe(
      'volume   180 passed, 5 failed, 32 skipped; expected 185/190; needs another service 6 (compute); interop 60/65 — exit 1',
    );
    expect(areaSummaryLine('image', null, 2)).toBe('image    no results (exit 2)');
    expect(areaSummaryLine('identity', { summary: { passed: 1, failed: 0, skipped: 0 } }, 0)).toBe(
      'identity 1 passed, 0 failed, 0 skipped',
    );
  });
});
