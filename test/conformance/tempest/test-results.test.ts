import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSubunitV2 } from './subunit-v2.ts';
import type { ReportedTest } from './test-results.ts';
import {
  classOf,
  exceptionOfTraceback,
  idempotentIdOf,
  reportedTests,
  resultsPerTest,
  withoutAttributes,
} from './test-results.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const packetsOf = (name: string) => parseSubunitV2(readFileSync(path.join(fixtures, name))).packets;
const sampleListed = readFileSync(path.join(fixtures, 'tempest-sample.listed.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);

describe('test id helpers', () => {
  const id =
    'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token[id-6f8e4436-fc96-4282-8122-e41df57197a9,smoke]';

  it('extracts the idempotent id, the bare name and the class', () => {
    expect(idempotentIdOf(id)).toBe('6f8e4436-fc96-4282-8122-e41df57197a9');
    expect(idempotentIdOf('a.B.test_x')).toBe('');
    expect(withoutAttributes(id)).toBe(
      'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token',
    );
    expect(classOf(id)).toBe('tempest.api.identity.v3.test_tokens.TokensV3Test');
  });
});

describe('reportedTests', () => {
  it('folds a real stream into one entry per finished test, with attachments and durations', () => {
    const tests = reportedTests(packetsOf('tempest-sample.subunit'));
    expect(tests).toHaveLength(8);
    const failed = tests.find((t) => t.status === 'failed');
    expect(failed?.attachments.traceback).toMatch(/BadRequest: Bad request/);
    expect(failed?.worker).toBe('worker-0');
    expect(failed?.durationSeconds).toBeCloseTo(0.197, 3);
    const skipped = tests.find((t) => t.status === 'skipped');
    expect(skipped?.attachments.reason).toBe('Identity api v2 is not enabled');
  });

  it('joins chunked attachments and maps xfail to passed, uxsuccess to failed', () => {
    const tests = reportedTests(packetsOf('edge-cases.subunit'));
    const byId = new Map(tests.map((t) => [t.id, t]));
    expect(byId.get('pkg.mod.Chunky.test_big')?.attachments.traceback).toHaveLength(19998);
    expect(byId.get('pkg.mod.Chunky.test_big')?.durationSeconds).toBe(2.5);
    expect(
      byId.get('pkg.mod.Other.test_xfail[id-11111111-2222-3333-4444-555555555555]')?.status,
    ).toBe('passed');
    expect(byId.get('pkg.mod.Other.test_ux')?.status).toBe('failed');
    expect(byId.get('pkg.mod.Other.test_unicode_\u00e9')?.status).toBe('passed');
  });
});

describe('exceptionOfTraceback', () => {
  it('keeps the exception line and its unindented continuation', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "a.py", line 1, in f',
      '    raise exceptions.BadRequest(body)',
      '    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      'tempest.lib.exceptions.BadRequest: Bad request',
      "Details: {'code': 400}",
      '',
    ].join('\n');
    expect(exceptionOfTraceback(tb)).toBe(
      "tempest.lib.exceptions.BadRequest: Bad request Details: {'code': 400}",
    );
  });

  it('keeps indented lines of a multi-line message', () => {
    const tb =
      'Traceback (most recent call last):\n  File "a.py", line 3, in t\n    self.assertEqual(1, 2)\ntesttools.matchers._impl.MismatchError: !=:\n    reference = 1\n    actual    = 2\n';
    expect(exceptionOfTraceback(tb)).toBe(
      'testtools.matchers._impl.MismatchError: !=: reference = 1 actual = 2',
    );
  });

  it('reports the last exception of a chained traceback', () => {
    const tb =
      'Traceback (most recent call last):\n  File "a.py", line 1, in f\n    g()\nKeyError: 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "a.py", line 4, in f\n    raise ValueError\nValueError: late\n';
    expect(exceptionOfTraceback(tb)).toBe('ValueError: late');
  });

  it('returns the text itself when it is not a traceback, and truncates long ones', () => {
    expect(exceptionOfTraceback('  just a message  ')).toBe('just a message');
    expect(exceptionOfTraceback(`E: ${'x'.repeat(100)}`, 10)).toBe('E: xxxxxx…');
  });
});

describe('resultsPerTest', () => {
  it('expands a class-level skip onto every listed test of the class', () => {
    const results = resultsPerTest(
      reportedTests(packetsOf('tempest-sample.subunit')),
      sampleListed,
    );
    expect(results.counts).toEqual({ passed: 6, failed: 1, skipped: 3 });
    expect(results.reportedEntries).toBe(8);
    expect(results.notRun).toBe(0);
    const v2 = results.tests.filter((t) => t.id.includes('.v2.'));
    expect(v2).toHaveLength(3);
    for (const t of v2) {
      expect(t).toMatchObject({
        status: 'skipped',
        origin: 'setUpClass',
        reason: '[setUpClass] Identity api v2 is not enabled',
      });
      expect(t.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
    const failed = results.tests.find((t) => t.status === 'failed');
    expect(failed?.uuid).toBe('7cd59bf9-bda4-4c72-9467-d21cab278355');
    expect(failed?.reason).toMatch(
      /^tempest\.lib\.exceptions\.BadRequest: Bad request Details: \{'code': 400/,
    );
  });

  it('counts listed tests without a result as failed, and a failing setUpClass on its tests', () => {
    const listed = [
      'pkg.mod.Broken.test_a',
      'pkg.mod.Broken.test_b[id-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee]',
      'pkg.mod.Gone.test_m',
      'pkg.mod.Chunky.test_big',
    ];
    const results = resultsPerTest(reportedTests(packetsOf('edge-cases.subunit')), listed);
    const byId = new Map(results.tests.map((t) => [t.id, t]));
    expect(byId.get('pkg.mod.Broken.test_a')).toMatchObject({
      status: 'failed',
      origin: 'setUpClass',
      reason: "[setUpClass] KeyError: 'k'",
    });
    expect(byId.get('pkg.mod.Broken.test_b[id-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee]')?.uuid).toBe(
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    expect(byId.get('pkg.mod.Gone.test_m')).toMatchObject({ status: 'failed', origin: 'missing' });
    expect(byId.get('pkg.mod.Chunky.test_big')?.reason).toBe('ValueError: boom');
    expect(results.notRun).toBe(1);
    // Chunky, ux, 2 Broken, Gone failed; xfail and unicode passed
    expect(results.counts).toEqual({ passed: 2, failed: 5, skipped: 0 });
  });

  const fixture = (
    id: string,
    status: ReportedTest['status'],
    traceback?: string,
  ): ReportedTest => ({
    id,
    status,
    durationSeconds: 0.1,
    attachments: traceback ? { traceback } : {},
  });

  it('keeps a failed fixture that covers no listed test as its own failure', () => {
    const results = resultsPerTest(
      [
        fixture('a.B.test_1', 'passed'),
        fixture('tearDownClass (a.B)', 'failed', 'RuntimeError: cleanup'),
        fixture('setUpClass (a.C)', 'failed', 'E: x'),
      ],
      ['a.B.test_1'],
    );
    expect(results.tests.map((t) => [t.id, t.status, t.origin])).toEqual([
      ['a.B.test_1', 'passed', 'test'],
      ['tearDownClass (a.B)', 'failed', 'fixture'],
      ['setUpClass (a.C)', 'failed', 'fixture'],
    ]);
  });

  it('expands setUpModule onto the tests of the module only, and never overrides a result', () => {
    const results = resultsPerTest(
      [
        fixture('a.m.B.test_1', 'passed'),
        { ...fixture('setUpModule (a.m)', 'skipped'), attachments: { reason: 'no service' } },
      ],
      ['a.m.B.test_1', 'a.m.C.test_2', 'a.mm.D.test_3'],
    );
    const byId = new Map(results.tests.map((t) => [t.id, t]));
    expect(byId.get('a.m.B.test_1')?.status).toBe('passed');
    expect(byId.get('a.m.C.test_2')).toMatchObject({
      status: 'skipped',
      origin: 'setUpModule',
      reason: '[setUpModule] no service',
    });
    expect(byId.get('a.mm.D.test_3')?.origin).toBe('missing');
  });

  it('counts a test listed twice once', () => {
    const results = resultsPerTest([fixture('a.B.test_1', 'passed')], ['a.B.test_1', 'a.B.test_1']);
    expect(results.counts).toEqual({ passed: 1, failed: 0, skipped: 0 });
  });
});
