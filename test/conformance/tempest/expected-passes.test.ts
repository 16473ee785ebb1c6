import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceAvailability } from '../lib/service-catalog.ts';
import {
  activeExpectations,
  compareWithExpected,
  loadExpectations,
  needsAnotherService,
  needsServiceOf,
  parseExpectedList,
} from './expected-passes.ts';
import type { TestResult } from './test-results.ts';
import { withoutAttributes } from './test-results.ts';

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

const none: ServiceAvailability = {
  nova: false,
  neutron: false,
  cinder: false,
  glance: false,
  swift: false,
};
const result = (id: string, status: TestResult['status'], reason = ''): TestResult => ({
  id,
  uuid: /id-([0-9a-f-]{36})/.exec(id)?.[1] ?? '',
  status,
  durationSeconds: 1,
  reason,
  origin: 'test',
});

describe('compareWithExpected', () => {
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

describe('notes and companion lists', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'expected-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const line = (u: string, name: string, note = ''): string =>
    `${u} a.B.${name}[id-${u}]${note ? `  # ${note}` : ''}\n`;

  it('keeps a trailing comment as the note of its line', () => {
    expect(parseExpectedList(line(U1, 'test_1', 'creates a server'))).toEqual([
      { uuid: U1, testId: `a.B.test_1[id-${U1}]`, note: 'creates a server' },
    ]);
  });

  it('names the service of a companion from its file name, and refuses unknown tags', () => {
    expect(needsServiceOf('volume.needs-compute.txt', 'volume')).toBe('compute');
    expect(needsServiceOf('volume.needs-object_storage.txt', 'volume')).toBe('object_storage');
    expect(needsServiceOf('image.needs-compute.txt', 'volume')).toBeNull();
    expect(needsServiceOf('volume.txt', 'volume')).toBeNull();
    expect(() => needsServiceOf('volume.needs-nova.txt', 'volume')).toThrow(
      /not a tempest service tag/,
    );
  });

  it('loads a list with its companions and refuses a test on two lists', () => {
    writeFileSync(path.join(dir, 'area.txt'), line(U1, 'test_1'));
    writeFileSync(path.join(dir, 'area.needs-compute.txt'), line(U2, 'test_2', 'boots a server'));
    writeFileSync(path.join(dir, 'other.needs-image.txt'), line(U3, 'test_3'));
    const lists = loadExpectations(path.join(dir, 'area.txt'));
    expect(lists.expected.map((t) => t.uuid)).toEqual([U1]);
    expect(lists.needs).toEqual([
      {
        service: 'compute',
        file: path.join(dir, 'area.needs-compute.txt'),
        tests: [{ uuid: U2, testId: `a.B.test_2[id-${U2}]`, note: 'boots a server' }],
      },
    ]);
    writeFileSync(path.join(dir, 'area.needs-image.txt'), line(U1, 'test_1'));
    expect(() => loadExpectations(path.join(dir, 'area.txt'))).toThrow(/is on both/);
    rmSync(path.join(dir, 'area.needs-image.txt'));
  });

  it('expects a companion only while its service is in the catalog', () => {
    const lists = loadExpectations(path.join(dir, 'area.txt'));
    const without = activeExpectations(lists, { ...none, cinder: true });
    expect(without.expected.map((t) => t.uuid)).toEqual([U1]);
    expect(without.needingAbsent.map((n) => n.service)).toEqual(['compute']);
    const withNova = activeExpectations(lists, { ...none, nova: true });
    expect(withNova.expected.map((t) => t.uuid)).toEqual([U1, U2]);
    expect(withNova.needingAbsent).toEqual([]);
  });

  it('reports how the waiting tests came out, and never counts them as newly passing', () => {
    const lists = loadExpectations(path.join(dir, 'area.txt'));
    const active = activeExpectations(lists, none);
    const results = [
      result(`a.B.test_1[id-${U1}]`, 'passed'),
      result(`a.B.test_2[id-${U2}]`, 'skipped'),
    ];
    const waiting = needsAnotherService(active.needingAbsent, results);
    expect(waiting).toEqual([
      { service: 'compute', tests: [{ expected: lists.needs[0]?.tests[0], status: 'skipped' }] },
    ]);
    const passedAnyway = [result(`a.B.test_2[id-${U2}]`, 'passed')];
    const comparison = compareWithExpected(
      active.expected,
      passedAnyway,
      active.needingAbsent.flatMap((n) => n.tests),
    );
    expect(comparison.newlyPassing).toEqual([]);
    expect(needsAnotherService(active.needingAbsent, [])[0]?.tests[0]?.status).toBe('not selected');
  });
});

describe('the shipped image and volume lists', () => {
  const dir = path.join(import.meta.dirname, 'expected');
  const tags = (testId: string): string[] => /\[([^\]]*)\]$/.exec(testId)?.[1]?.split(',') ?? [];

  const referencePasses = (area: string): string[] =>
    readFileSync(
      path.join(import.meta.dirname, 'reference', `real-openstack-${area}-results.txt`),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.endsWith(' ok'))
      .map((l) => l.split(' ')[0]!);

  it('image: the 62 v2 tests that pass on the real Glance and 4 import tests, none waiting for another service', () => {
    const lists = loadExpectations(path.join(dir, 'image.txt'));
    const listed = lists.expected.map((t) => withoutAttributes(t.testId));
    const passed = referencePasses('image');
    expect(passed).toHaveLength(62);
    expect(listed).toEqual(expect.arrayContaining(passed));
    // beyond the reference: interoperable import, which it ran with import_image = false
    expect(listed.filter((t) => !passed.includes(t)).every((t) => /Import/.test(t))).toBe(true);
    expect(lists.expected).toHaveLength(62 + 4);
    expect(lists.expected.every((t) => t.testId.startsWith('tempest.api.image.v2.'))).toBe(true);
    expect(lists.needs).toEqual([]);
  });

  it('volume: 196 reference passes and 9 beyond, split by the service tags tempest puts on the tests', () => {
    const lists = loadExpectations(path.join(dir, 'volume.txt'));
    const byService = Object.fromEntries(lists.needs.map((n) => [n.service, n.tests]));
    expect(lists.expected).toHaveLength(185 + 7);
    expect(byService.compute).toHaveLength(6);
    expect(byService.image).toHaveLength(5 + 2);
    // the rule the split follows: @utils.services tags show in the test id's attributes
    expect(
      lists.expected.filter((t) => tags(t.testId).some((x) => x === 'compute' || x === 'image')),
    ).toEqual([]);
    expect(byService.compute?.every((t) => tags(t.testId).includes('compute') && t.note)).toBe(
      true,
    );
    expect(byService.image?.every((t) => tags(t.testId).includes('image') && t.note)).toBe(true);
  });

  it('volume: every test the real Cinder passed, and 9 it could not run', () => {
    const passed = referencePasses('volume');
    const lists = loadExpectations(path.join(dir, 'volume.txt'));
    const listed = [...lists.expected, ...lists.needs.flatMap((n) => n.tests)].map((t) =>
      withoutAttributes(t.testId),
    );
    expect(listed).toEqual(expect.arrayContaining(passed));
    // beyond the reference: backups (it ran no cinder-backup), extend and upload (its fake driver)
    expect(listed.filter((t) => !passed.includes(t))).toHaveLength(9);
  });
});
