import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NeedsList } from './expected-passes.ts';
import { interopCoverage, interopFailures, parseInteropGuideline } from './interop.ts';
import type { TestResult } from './test-results.ts';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const U3 = '33333333-3333-3333-3333-333333333333';
const U4 = '44444444-4444-4444-4444-444444444444';

const guidelineText = `# header
tempest.api.volume.test_a.A.test_1 id-${U1} volumes-v3-create
tempest.api.volume.test_a.AliasV2.test_1 id-${U1} volumes-v3-create
tempest.api.volume.test_b.B.test_2 id-${U2} volumes-v3-list
tempest.api.volume.test_c.C.test_3 id-${U3} volumes-v3-attach?
tempest.api.image.v2.test_i.I.test_4 id-${U4} images-v2-list
# FLAGGED tempest.api.volume.test_f.F.test_5 id-55555555-5555-5555-5555-555555555555 volumes-x
`;

const result = (
  id: string,
  uuid: string,
  status: TestResult['status'],
  reason = '',
): TestResult => ({
  id: `${id}[id-${uuid}]`,
  uuid,
  status,
  durationSeconds: 1,
  reason,
  origin: 'test',
});

describe('parseInteropGuideline', () => {
  it('reads name, id and capability, skipping comments and flagged tests', () => {
    const tests = parseInteropGuideline(guidelineText);
    expect(tests).toHaveLength(5);
    expect(tests[0]).toEqual({
      testName: 'tempest.api.volume.test_a.A.test_1',
      uuid: U1,
      capability: 'volumes-v3-create',
    });
  });

  it('refuses a malformed line, naming it', () => {
    expect(() => parseInteropGuideline(`# x\ntempest.api.a.B.c ${U1} cap`)).toThrow(/line 2/);
  });
});

describe('interopCoverage', () => {
  const guideline = parseInteropGuideline(guidelineText);

  it('counts distinct ids under the prefix; an alias or a renamed test counts by id', () => {
    const coverage = interopCoverage(
      guideline,
      [
        result('tempest.api.volume.test_a.Renamed.test_1', U1, 'passed'),
        result('tempest.api.volume.test_b.B.test_2', U2, 'failed', 'AssertionError: 1 != 2'),
      ],
      'tempest.api.volume.',
    );
    expect(coverage.required).toBe(3);
    expect(coverage.passed).toBe(1);
    expect(coverage.missing).toEqual([
      {
        uuid: U2,
        testNames: ['tempest.api.volume.test_b.B.test_2'],
        capability: 'volumes-v3-list',
        status: 'failed',
        reason: 'AssertionError: 1 != 2',
      },
      {
        uuid: U3,
        testNames: ['tempest.api.volume.test_c.C.test_3'],
        capability: 'volumes-v3-attach?',
        status: 'not run',
        reason: '',
      },
    ]);
  });

  it('takes the best result when an id ran twice, and marks ids waiting for a service', () => {
    const needs: NeedsList[] = [
      { service: 'compute', file: 'x', tests: [{ uuid: U3, testId: `a.C.test_3[id-${U3}]` }] },
    ];
    const coverage = interopCoverage(
      guideline,
      [
        result('tempest.api.volume.test_a.A.test_1', U1, 'failed'),
        result('tempest.api.volume.test_a.AliasV2.test_1', U1, 'passed'),
        result('tempest.api.volume.test_c.C.test_3', U3, 'skipped', 'no nova'),
      ],
      'tempest.api.volume.',
      needs,
    );
    expect(coverage.passed).toBe(1);
    expect(coverage.missing.find((m) => m.uuid === U3)).toMatchObject({
      status: 'skipped',
      needs: 'compute',
    });
  });

  it('names a missing id by the test that ran first, then the guideline aliases', () => {
    const coverage = interopCoverage(
      guideline,
      [result('tempest.api.volume.test_a.Renamed.test_1', U1, 'failed')],
      'tempest.api.volume.',
    );
    expect(coverage.missing.find((m) => m.uuid === U1)?.testNames).toEqual([
      'tempest.api.volume.test_a.Renamed.test_1',
      'tempest.api.volume.test_a.A.test_1',
      'tempest.api.volume.test_a.AliasV2.test_1',
    ]);
  });

  it('the shipped 2022.11 list: 23 image ids and 65 volume ids', () => {
    const file = path.join(import.meta.dirname, 'expected', 'interop-2022.11-platform.txt');
    const shipped = parseInteropGuideline(readFileSync(file, 'utf8'));
    expect(interopCoverage(shipped, [], 'tempest.api.image.').required).toBe(23);
    expect(interopCoverage(shipped, [], 'tempest.api.volume.').required).toBe(65);
    expect(interopCoverage(shipped, [], 'tempest.api.identity.').required).toBe(15);
  });
});

describe('interopFailures', () => {
  const guideline = parseInteropGuideline(guidelineText);
  const coverage = interopCoverage(
    guideline,
    [
      result('tempest.api.volume.test_a.A.test_1', U1, 'passed'),
      result('tempest.api.volume.test_b.B.test_2', U2, 'skipped', 'backup not enabled'),
    ],
    'tempest.api.volume.',
    [{ service: 'compute', file: 'x', tests: [{ uuid: U3, testId: `a.C.test_3[id-${U3}]` }] }],
  );

  it('fails a whole-area run on every required id that did not pass, skips and absent services too', () => {
    expect(interopFailures(coverage, true).map((m) => [m.uuid, m.status, m.needs])).toEqual([
      [U2, 'skipped', undefined],
      [U3, 'not run', 'compute'],
    ]);
  });

  it('only reports when the run was narrower than its area, or had no guideline', () => {
    expect(interopFailures(coverage, false)).toEqual([]);
    expect(interopFailures(null, true)).toEqual([]);
  });
});
