import type { SubunitPacket, SubunitStatus } from './subunit-v2.ts';

export type TestStatus = 'passed' | 'failed' | 'skipped';

/** One test as the subunit stream reported it, attachments joined. */
export interface ReportedTest {
  id: string;
  status: TestStatus;
  durationSeconds: number | null;
  /** Attachment name -> text (chunks of the same attachment concatenated). */
  attachments: Record<string, string>;
  worker?: string;
}

/**
 * Where a per-test result came from: the test itself; its class's (or module's) setUp
 * fixture, expanded onto it; a tearDown fixture that failed after its tests had results;
 * or nothing at all (a listed test that never reported).
 */
export type ResultOrigin = 'test' | 'setUpClass' | 'setUpModule' | 'fixture' | 'missing';

export interface TestResult {
  id: string;
  /** tempest's idempotent id (`[id-…]`), stable across renames; '' when the id has none. */
  uuid: string;
  status: TestStatus;
  durationSeconds: number | null;
  /** Skip reason, or the exception line(s) of a failure. */
  reason: string;
  origin: ResultOrigin;
}

export interface StatusCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface PerTestResults {
  tests: TestResult[];
  counts: StatusCounts;
  /** Entries in the stream (a class-level skip is one entry for all its tests). */
  reportedEntries: number;
  /** Listed tests with no result at all, counted as failed. */
  notRun: number;
}

const FINAL_STATUS: Partial<Record<SubunitStatus, TestStatus>> = {
  success: 'passed',
  // an expected failure is the outcome the test asked for
  xfail: 'passed',
  // a test marked as expected to fail that passed is reported as a failure, as stestr does
  uxsuccess: 'failed',
  fail: 'failed',
  skip: 'skipped',
};

const FIXTURE_ID = /^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$/;
const IDEMPOTENT_ID = /\bid-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/;

export function idempotentIdOf(testId: string): string {
  return IDEMPOTENT_ID.exec(testId)?.[1] ?? '';
}

/** `a.b.Class.test_x[id-…,smoke]` -> `a.b.Class.test_x` */
export function withoutAttributes(testId: string): string {
  const bracket = testId.indexOf('[');
  return bracket === -1 ? testId : testId.slice(0, bracket);
}

export function classOf(testId: string): string {
  const name = withoutAttributes(testId);
  return name.slice(0, name.lastIndexOf('.'));
}

/**
 * Folds the packet sequence into one entry per finished test, the way testtools'
 * StreamToDict does: packets of a test (keyed by route code + id) accumulate until one
 * carries a final status; timestamps give the duration.
 */
export function reportedTests(packets: readonly SubunitPacket[]): ReportedTest[] {
  interface Pending {
    first?: number;
    last?: number;
    files: Map<string, Buffer[]>;
  }
  const pending = new Map<string, Pending>();
  const done: ReportedTest[] = [];
  for (const p of packets) {
    if (p.testId === undefined) continue;
    const key = `${p.routeCode ?? ''}\u0000${p.testId}`;
    let entry = pending.get(key);
    if (!entry) {
      entry = { files: new Map() };
      pending.set(key, entry);
    }
    if (p.timestamp !== undefined) {
      entry.first ??= p.timestamp;
      entry.last = p.timestamp;
    }
    if (p.fileName !== undefined && p.fileBytes) {
      const chunks = entry.files.get(p.fileName) ?? [];
      chunks.push(p.fileBytes);
      entry.files.set(p.fileName, chunks);
    }
    const status = p.status && FINAL_STATUS[p.status];
    if (!status) continue;
    pending.delete(key);
    const attachments: Record<string, string> = {};
    for (const [name, chunks] of entry.files) {
      attachments[name] = Buffer.concat(chunks).toString('utf8');
    }
    const test: ReportedTest = {
      id: p.testId,
      status,
      durationSeconds:
        entry.first !== undefined && entry.last !== undefined
          ? Math.round((entry.last - entry.first) * 1000) / 1000
          : null,
      attachments,
    };
    const worker = p.tags?.find((t) => t.startsWith('worker-'));
    if (worker) test.worker = worker;
    done.push(test);
  }
  return done;
}

/**
 * The exception of a Python traceback: the lines after the last stack frame
 * (`Type: message` plus any continuation, e.g. tempest's `Details: {...}`), on one line.
 */
export function exceptionOfTraceback(traceback: string, maxLength = 500): string {
  const lines = traceback.replace(/\s+$/, '').split('\n');
  let start = 0;
  lines.forEach((line, i) => {
    if (/^\s*File "/.test(line) || line.startsWith('Traceback (most recent call last)')) {
      start = i + 1;
    }
  });
  // after the last frame come its indented source line and ^^^ markers, then the exception
  while (start < lines.length && /^\s/.test(lines[start] as string)) start++;
  const exception = (start < lines.length ? lines.slice(start) : lines)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return exception.length > maxLength ? `${exception.slice(0, maxLength - 1)}…` : exception;
}

function reasonOf(test: ReportedTest): string {
  if (test.status === 'skipped') return (test.attachments.reason ?? '').trim();
  if (test.status === 'failed') {
    const tb = test.attachments.traceback;
    if (tb) return exceptionOfTraceback(tb);
    return test.id.startsWith('setUp') || test.id.startsWith('tearDown')
      ? 'fixture failed without a traceback'
      : 'failed without a traceback (unexpected success?)';
  }
  return '';
}

/**
 * Results per listed test id. tempest reports a class whose setUpClass skipped or failed
 * as ONE entry `setUpClass (module.Class)`: that outcome is copied onto every listed test
 * of the class that has no result of its own (likewise setUpModule for a module), so the
 * counts are per test id. A failed tearDown fixture stays an extra failed entry. A listed
 * test that never reported counts as failed, so a crashed run never looks better than a
 * complete one.
 */
export function resultsPerTest(
  reported: readonly ReportedTest[],
  listed: readonly string[],
): PerTestResults {
  const perTest = new Map<string, TestResult>();
  const fixtures: { kind: string; target: string; test: ReportedTest }[] = [];
  for (const test of reported) {
    const fixture = FIXTURE_ID.exec(test.id);
    if (fixture) {
      fixtures.push({ kind: fixture[1] as string, target: fixture[2] as string, test });
      continue;
    }
    perTest.set(test.id, {
      id: test.id,
      uuid: idempotentIdOf(test.id),
      status: test.status,
      durationSeconds: test.durationSeconds,
      reason: reasonOf(test),
      origin: 'test',
    });
  }

  const listedOnce = [...new Set(listed)];
  const extra: TestResult[] = [];
  for (const { kind, target, test } of fixtures) {
    const setUp = kind === 'setUpClass' || kind === 'setUpModule';
    const covers = (id: string): boolean =>
      kind === 'setUpClass'
        ? classOf(id) === target
        : withoutAttributes(id).startsWith(`${target}.`);
    const victims = setUp ? listedOnce.filter((id) => !perTest.has(id) && covers(id)) : [];
    for (const id of victims) {
      perTest.set(id, {
        id,
        uuid: idempotentIdOf(id),
        status: test.status,
        durationSeconds: 0,
        reason: `[${kind}] ${reasonOf(test)}`.trim(),
        origin: kind === 'setUpClass' ? 'setUpClass' : 'setUpModule',
      });
    }
    if (victims.length === 0 && test.status === 'failed') {
      extra.push({
        id: test.id,
        uuid: '',
        status: 'failed',
        durationSeconds: test.durationSeconds,
        reason: reasonOf(test),
        origin: 'fixture',
      });
    }
  }

  const missing: TestResult[] = listedOnce
    .filter((id) => !perTest.has(id))
    .map((id) => ({
      id,
      uuid: idempotentIdOf(id),
      status: 'failed',
      durationSeconds: null,
      reason: 'no result in the subunit stream (not run, or its worker crashed)',
      origin: 'missing',
    }));

  const tests = [...perTest.values(), ...extra, ...missing];
  const counts: StatusCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const t of tests) counts[t.status]++;
  return { tests, counts, reportedEntries: reported.length, notRun: missing.length };
}
