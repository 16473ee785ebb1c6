import type { TestResult, TestStatus } from './test-results.ts';
import { idempotentIdOf, withoutAttributes } from './test-results.ts';

/** One line of an expected-pass list: `<idempotent id> <test id>`. */
export interface ExpectedTest {
  uuid: string;
  testId: string;
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
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
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
    tests.push({ uuid, testId });
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
