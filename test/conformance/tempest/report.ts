import type { Comparison } from './expected-passes.ts';
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
