import type { Comparison, NeedsAnotherService } from './expected-passes.ts';
import type { InteropCoverage } from './interop.ts';
import type { StatusCounts, TestResult } from './test-results.ts';

/**
 * tempest's own closing totals ("Totals" … "Sum of execute time …") from its console
 * output. They count a class-level skip as one test; the runner's last line counts per id.
 */
export function tempestTotals(consoleOutput: string): string[] {
  const lines = consoleOutput.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'Totals');
  if (start === -1) return [];
  const totals: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('=') && totals.length === 0) continue; // the underline
    if (line.trim() === '' || line.startsWith('=')) break;
    totals.push(line);
  }
  return totals;
}

/** Counts `... ok`, `... FAILED`, `... SKIPPED` lines of tempest's live output. */
export function isFinishedTestLine(line: string): boolean {
  return /\.\.\. (ok|FAILED|SKIPPED)\b/.test(line);
}

export function countsLine(counts: StatusCounts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

export function failureLines(tests: readonly TestResult[], limit = 200): string[] {
  const failed = tests.filter((t) => t.status === 'failed');
  const lines = failed.slice(0, limit).flatMap((t) => [`FAIL ${t.id}`, `     ${t.reason}`]);
  if (failed.length > limit) lines.push(`… and ${failed.length - limit} more failures`);
  return lines;
}

/** Skip reasons with how many tests each covers, most frequent first. */
export function skipReasonLines(tests: readonly TestResult[]): string[] {
  const byReason = new Map<string, number>();
  for (const t of tests) {
    if (t.status !== 'skipped') continue;
    const reason = t.reason || '(no reason given)';
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  return [...byReason.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${String(n).padStart(5)}  ${reason}`);
}

/**
 * The comparison with the expected-pass list: each expected test that ran and did not
 * pass, with its reason; the expected tests the regex did not select only as a count and
 * a few examples (a narrow regex would otherwise print the whole list).
 */
export function comparisonLines(comparison: Comparison, listFile: string, examples = 5): string[] {
  const lines = [
    `expected to pass (${listFile}): ${comparison.passedAsExpected}/${comparison.expected} passed`,
  ];
  const ran = comparison.notPassing.filter((m) => m.status !== 'not selected');
  const notSelected = comparison.notPassing.filter((m) => m.status === 'not selected');
  for (const miss of ran) {
    lines.push(`NOT PASSING (${miss.status}) ${miss.expected.testId}`);
    if (miss.reason) lines.push(`     ${miss.reason}`);
  }
  if (notSelected.length > 0) {
    lines.push(
      `NOT SELECTED ${notSelected.length} expected tests (widen --regex, or use --no-compare), e.g.:`,
    );
    for (const miss of notSelected.slice(0, examples)) lines.push(`  ${miss.expected.testId}`);
  }
  if (comparison.newlyPassing.length > 0) {
    lines.push(`passing but not on the list (${comparison.newlyPassing.length}), add them:`);
    for (const t of comparison.newlyPassing) lines.push(`  ${t.uuid} ${t.id}`);
  }
  return lines;
}

/**
 * Expected tests that wait for a service the catalog lacks: counted apart, never as
 * failures. tempest should have skipped each; anything else is shown, as it would mean the
 * test does not depend on that service the way its list says.
 */
export function needsAnotherServiceLines(needs: readonly NeedsAnotherService[]): string[] {
  const lines: string[] = [];
  for (const group of needs) {
    if (group.tests.length === 0) continue;
    const byStatus = new Map<string, number>();
    for (const t of group.tests) byStatus.set(t.status, (byStatus.get(t.status) ?? 0) + 1);
    const statuses = [...byStatus.entries()].map(([status, n]) => `${n} ${status}`).join(', ');
    lines.push(
      `needs another service: ${group.tests.length} expected tests need ${group.service}, absent from the catalog (${statuses}); not counted`,
    );
    for (const t of group.tests.filter((x) => x.status !== 'skipped')) {
      lines.push(
        `  ${t.status.toUpperCase()} although ${group.service} is absent: ${t.expected.testId}`,
      );
    }
  }
  return lines;
}

/**
 * Coverage of an interop guideline's required ids: each id that ran and did not pass, and
 * the ids the run did not select only as a count with a few examples.
 */
export function interopLines(coverage: InteropCoverage, guideline: string, examples = 3): string[] {
  if (coverage.required === 0) return [];
  const lines = [
    `interop ${guideline} (${coverage.prefix}*): ${coverage.passed}/${coverage.required} required ids passed`,
  ];
  const ran = coverage.missing.filter((m) => m.status !== 'not run');
  const notRun = coverage.missing.filter((m) => m.status === 'not run');
  for (const miss of ran) {
    const needs = miss.needs ? `, needs ${miss.needs}` : '';
    lines.push(
      `  ${miss.status.toUpperCase()}${needs} [${miss.capability}] ${miss.testNames[0] ?? miss.uuid}`,
    );
  }
  if (notRun.length > 0) {
    lines.push(`  NOT RUN ${notRun.length} required ids, e.g.:`);
    for (const miss of notRun.slice(0, examples)) {
      lines.push(`    [${miss.capability}] ${miss.testNames[0] ?? miss.uuid}`);
    }
  }
  return lines;
}

/** The part of a run's results.json the conformance summary reads. */
export interface AreaRunSummary {
  summary?: Partial<StatusCounts>;
  comparison?: { expected: number; passedAsExpected: number } | null;
  needsAnotherService?: { service: string; tests: unknown[] }[];
  interop?: { required: number; passed: number } | null;
}

/** One line per area for the end of a conformance run, from its results.json. */
export function areaSummaryLine(
  area: string,
  run: AreaRunSummary | null,
  exitCode: number | null,
): string {
  const head = `${area.padEnd(9)}`;
  if (!run?.summary) return `${head}no results (exit ${exitCode ?? 'killed'})`;
  const counts = run.summary;
  const parts = [
    `${counts.passed ?? 0} passed, ${counts.failed ?? 0} failed, ${counts.skipped ?? 0} skipped`,
  ];
  if (run.comparison) {
    parts.push(`expected ${run.comparison.passedAsExpected}/${run.comparison.expected}`);
  }
  const waiting = (run.needsAnotherService ?? []).filter((n) => n.tests.length > 0);
  if (waiting.length > 0) {
    parts.push(
      `needs another service ${waiting.map((n) => `${n.tests.length} (${n.service})`).join(', ')}`,
    );
  }
  if (run.interop && run.interop.required > 0) {
    parts.push(`interop ${run.interop.passed}/${run.interop.required}`);
  }
  return `${head}${parts.join('; ')}${exitCode === 0 ? '' : ` — exit ${exitCode ?? 'killed'}`}`;
}
