import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceAvailability, ServiceTag } from '../lib/service-catalog.ts';
import { isServiceTag, tagAvailable } from '../lib/service-catalog.ts';
import type { TestResult, TestStatus } from './test-results.ts';
import { idempotentIdOf, withoutAttributes } from './test-results.ts';

/** One line of an expected-pass list: `<idempotent id> <test id>`, optionally `# note`. */
export interface ExpectedTest {
  uuid: string;
  testId: string;
  /** The line's trailing comment, e.g. why the test needs another service. */
  note?: string;
}

export interface NotPassing {
  expected: ExpectedTest;
  /**
   * 'not selected' when the run holds no result for it: the regex did not select it, or
   * tempest no longer has it (a listed test that never reported counts as 'failed').
   */
  status: TestStatus | 'not selected';
  reason: string;
}

export interface Comparison {
  expected: number;
  passedAsExpected: number;
  notPassing: NotPassing[];
  /** Tests that passed but are not on the list: candidates to add to it. */
  newlyPassing: TestResult[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Parses an expected-pass list. Blank lines and `#` comments are ignored; any other line
 * must be `<uuid> <test id>` whose test id carries the same `[id-<uuid>]`, so a list edited
 * by hand cannot silently pair an id with the wrong test.
 */
export function parseExpectedList(text: string): ExpectedTest[] {
  const seen = new Set<string>();
  const tests: ExpectedTest[] = [];
  text.split('\n').forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const note = hash === -1 ? '' : raw.slice(hash + 1).trim();
    const where = `line ${index + 1}`;
    const [uuid, testId, ...rest] = line.split(/\s+/);
    if (!uuid || !testId || rest.length > 0 || !UUID.test(uuid)) {
      throw new Error(`${where}: expected "<idempotent id> <test id>", got "${line}"`);
    }
    if (idempotentIdOf(testId) !== uuid) {
      throw new Error(`${where}: ${uuid} does not match the id-… attribute of ${testId}`);
    }
    if (seen.has(uuid)) throw new Error(`${where}: ${uuid} is listed twice`);
    seen.add(uuid);
    tests.push(note ? { uuid, testId, note } : { uuid, testId });
  });
  return tests;
}

/**
 * Which expected tests did not pass. Results are matched by idempotent id (stable across
 * renames), falling back to the test name without its attributes.
 */
export function compareWithExpected(
  expected: readonly ExpectedTest[],
  results: readonly TestResult[],
  /** Tests known to the lists but not expected in this run: never "newly passing". */
  alsoListed: readonly ExpectedTest[] = [],
): Comparison {
  const byUuid = new Map<string, TestResult>();
  const byName = new Map<string, TestResult>();
  for (const r of results) {
    if (r.uuid) byUuid.set(r.uuid, r);
    byName.set(withoutAttributes(r.id), r);
  }
  const notPassing: NotPassing[] = [];
  const expectedUuids = new Set<string>();
  const expectedNames = new Set<string>();
  for (const e of alsoListed) {
    expectedUuids.add(e.uuid);
    expectedNames.add(withoutAttributes(e.testId));
  }
  for (const e of expected) {
    expectedUuids.add(e.uuid);
    expectedNames.add(withoutAttributes(e.testId));
    const result = byUuid.get(e.uuid) ?? byName.get(withoutAttributes(e.testId));
    if (!result) {
      notPassing.push({ expected: e, status: 'not selected', reason: '' });
    } else if (result.status !== 'passed') {
      notPassing.push({ expected: e, status: result.status, reason: result.reason });
    }
  }
  const newlyPassing = results.filter(
    (r) =>
      r.status === 'passed' &&
      r.origin === 'test' &&
      !expectedUuids.has(r.uuid) &&
      !expectedNames.has(withoutAttributes(r.id)),
  );
  return {
    expected: expected.length,
    passedAsExpected: expected.length - notPassing.length,
    notPassing,
    newlyPassing,
  };
}

/** Tests of an area that pass on the reference only with another service present. */
export interface NeedsList {
  /** tempest's tag of that service (`compute`, `image`, …), from the file name. */
  service: ServiceTag;
  file: string;
  tests: ExpectedTest[];
}

/** An area's expected-pass list and its `<stem>.needs-<service>.txt` companions. */
export interface AreaExpectations {
  file: string;
  expected: ExpectedTest[];
  needs: NeedsList[];
}

const NEEDS_FILE = /^(.+)\.needs-([a-z_]+)\.txt$/;

/** `volume.needs-compute.txt` -> `compute`; null for a file that is not a companion of `stem`. */
export function needsServiceOf(fileName: string, stem: string): ServiceTag | null {
  const match = NEEDS_FILE.exec(fileName);
  if (!match || match[1] !== stem) return null;
  const tag = match[2] as string;
  if (!isServiceTag(tag)) {
    throw new Error(`${fileName}: "${tag}" is not a tempest service tag`);
  }
  return tag;
}

/**
 * Reads `file` and every `<stem>.needs-<service>.txt` beside it. A test may be on one list
 * only, so the counts of a run add up.
 */
export function loadExpectations(file: string): AreaExpectations {
  const dir = path.dirname(file);
  const stem = path.basename(file).replace(/\.txt$/, '');
  const read = (f: string): ExpectedTest[] => {
    try {
      return parseExpectedList(readFileSync(f, 'utf8'));
    } catch (err) {
      throw new Error(`${f}: ${(err as Error).message}`);
    }
  };
  const expected = read(file);
  const needs: NeedsList[] = [];
  const companions = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const name of companions) {
    const service = needsServiceOf(name, stem);
    if (service)
      needs.push({ service, file: path.join(dir, name), tests: read(path.join(dir, name)) });
  }
  const owner = new Map<string, string>();
  const all: [string, ExpectedTest[]][] = [
    [file, expected],
    ...needs.map((n): [string, ExpectedTest[]] => [n.file, n.tests]),
  ];
  for (const [f, tests] of all) {
    for (const t of tests) {
      const other = owner.get(t.uuid);
      if (other) throw new Error(`${t.uuid} is on both ${other} and ${f}`);
      owner.set(t.uuid, f);
    }
  }
  return { file, expected, needs };
}

/** The lists of a run: what is expected to pass, and what waits for an absent service. */
export interface ActiveExpectations {
  expected: ExpectedTest[];
  /** Lists whose service the catalog lacks: their tests are not counted against the run. */
  needingAbsent: NeedsList[];
}

/** A needs list counts as expected once its service is in the catalog. */
export function activeExpectations(
  lists: AreaExpectations,
  services: ServiceAvailability,
): ActiveExpectations {
  const expected = [...lists.expected];
  const needingAbsent: NeedsList[] = [];
  for (const needs of lists.needs) {
    if (tagAvailable(needs.service, services)) expected.push(...needs.tests);
    else needingAbsent.push(needs);
  }
  return { expected, needingAbsent };
}

/** How the tests waiting for an absent service came out (tempest should have skipped them). */
export interface NeedsAnotherService {
  service: ServiceTag;
  tests: { expected: ExpectedTest; status: TestStatus | 'not selected' }[];
}

export function needsAnotherService(
  needingAbsent: readonly NeedsList[],
  results: readonly TestResult[],
): NeedsAnotherService[] {
  const byUuid = new Map<string, TestResult>();
  for (const r of results) if (r.uuid) byUuid.set(r.uuid, r);
  return needingAbsent.map((list) => ({
    service: list.service,
    tests: list.tests.map((e) => ({
      expected: e,
      status: byUuid.get(e.uuid)?.status ?? 'not selected',
    })),
  }));
}
