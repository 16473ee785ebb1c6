import type { ServiceTag } from '../lib/service-catalog.ts';
import type { NeedsList } from './expected-passes.ts';
import type { TestResult, TestStatus } from './test-results.ts';
import { withoutAttributes } from './test-results.ts';

/** One required test of an interop guideline: `<test name> id-<uuid> <capability>`. */
export interface InteropTest {
  testName: string;
  uuid: string;
  capability: string;
}

const LINE =
  /^(tempest\.\S+)\s+id-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(\S+)$/;

/**
 * Parses the guideline's required list. Comment lines (`#`, which include the flagged
 * tests) are skipped; any other line that is not `<name> id-<uuid> <capability>` is an error.
 */
export function parseInteropGuideline(text: string): InteropTest[] {
  const tests: InteropTest[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) {
      throw new Error(`line ${index + 1}: expected "<test name> id-<uuid> <capability>"`);
    }
    tests.push({
      testName: match[1] as string,
      uuid: match[2] as string,
      capability: match[3] as string,
    });
  });
  return tests;
}

export interface InteropMiss {
  uuid: string;
  /** The guideline's names for the id (aliases included). */
  testNames: string[];
  capability: string;
  /** The best status any test with the id had; 'not run' when the run has none. */
  status: TestStatus | 'not run';
  reason: string;
  /** Set when the id is on a list of tests that need a service the catalog lacks. */
  needs?: ServiceTag;
}

export interface InteropCoverage {
  /** Which guideline tests were counted: their names start with this. */
  prefix: string;
  /** Distinct required idempotent ids under the prefix. */
  required: number;
  passed: number;
  missing: InteropMiss[];
}

const RANK: Record<TestStatus, number> = { passed: 0, skipped: 1, failed: 2 };

/**
 * How many of the guideline's required ids under `prefix` passed in the run, matched by
 * idempotent id (the guideline names aliases and classes newer tempest renamed).
 */
export function interopCoverage(
  guideline: readonly InteropTest[],
  results: readonly TestResult[],
  prefix: string,
  needingAbsent: readonly NeedsList[] = [],
): InteropCoverage {
  const required = new Map<string, { testNames: string[]; capability: string }>();
  for (const t of guideline) {
    if (!t.testName.startsWith(prefix)) continue;
    const entry = required.get(t.uuid) ?? { testNames: [], capability: t.capability };
    entry.testNames.push(t.testName);
    required.set(t.uuid, entry);
  }
  const best = new Map<string, TestResult>();
  for (const r of results) {
    if (!r.uuid || !required.has(r.uuid)) continue;
    const seen = best.get(r.uuid);
    if (!seen || RANK[r.status] < RANK[seen.status]) best.set(r.uuid, r);
  }
  const needsOf = new Map<string, ServiceTag>();
  for (const list of needingAbsent) for (const t of list.tests) needsOf.set(t.uuid, list.service);

  const missing: InteropMiss[] = [];
  let passed = 0;
  for (const [uuid, entry] of required) {
    const result = best.get(uuid);
    if (result?.status === 'passed') {
      passed++;
      continue;
    }
    const miss: InteropMiss = {
      uuid,
      // the name this tempest runs it under first (the guideline also lists old aliases)
      testNames: result
        ? [
            withoutAttributes(result.id),
            ...entry.testNames.filter((n) => n !== withoutAttributes(result.id)),
          ]
        : entry.testNames,
      capability: entry.capability,
      status: result?.status ?? 'not run',
      reason: result?.reason ?? '',
    };
    const needs = needsOf.get(uuid);
    if (needs) miss.needs = needs;
    missing.push(miss);
  }
  return { prefix, required: required.size, passed, missing };
}

/**
 * Whether a run's interop misses fail it: when the run covered its whole area (every
 * required id of the area could have run), each required id that did not pass is a failure,
 * whatever the reason (a test that needs a service the catalog lacks too: the guideline
 * requires that service). A narrower --regex only reports coverage.
 */
export function interopFailures(
  coverage: InteropCoverage | null,
  wholeArea: boolean,
): InteropMiss[] {
  if (!coverage || !wholeArea) return [];
  return coverage.missing;
}
