// Tempest conformance runner: writes a tempest.conf for the endpoint in OS_*, runs the
// selected tests, reports per test id, and compares with the expected-pass list.
// Usage: node --import tsx test/conformance/tempest/run.ts --help
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTools } from '../lib/debian-packages.ts';
import { readAdminCredentials } from '../lib/openstack-env.ts';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import type { Comparison } from './expected-passes.ts';
import { compareWithExpected, parseExpectedList } from './expected-passes.ts';
import { FULL_IDENTITY_FEATURES } from './identity-features.ts';
import {
  comparisonLines,
  countsLine,
  failureLines,
  isFinishedTestLine,
  skipReasonLines,
  tempestTotals,
} from './report.ts';
import type { TempestRunOptions } from './run-options.ts';
import { parseRunOptions, USAGE, UsageError } from './run-options.ts';
import type { ServiceAvailability } from './service-catalog.ts';
import { fetchServiceCatalog, publicServiceTypes, servicesAvailable } from './service-catalog.ts';
import { parseSubunitV2 } from './subunit-v2.ts';
import { applyOverrides, buildTempestConf, renderIni } from './tempest-conf.ts';
import type { PerTestResults } from './test-results.ts';
import { reportedTests, resultsPerTest } from './test-results.ts';
import type { TempestWorkspace } from './tempest-workspace.ts';
import {
  initTempestWorkspace,
  lastRunSubunit,
  listTests,
  prepareWorkspaceDir,
  runTempest,
} from './tempest-workspace.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const PROGRESS_EVERY_MS = 60_000;

/** An error that ends the run with exit status 2 (the run itself, not a test, failed). */
class RunError extends Error {}

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

async function detectServices(admin: AdminCredentials): Promise<ServiceAvailability> {
  let catalog;
  try {
    catalog = await fetchServiceCatalog(admin);
  } catch (err) {
    throw new RunError((err as Error).message);
  }
  const types = publicServiceTypes(catalog, admin.regionName);
  if (!types.includes('identity')) {
    throw new RunError(`the catalog has no public identity endpoint in region ${admin.regionName}`);
  }
  const services = servicesAvailable(types);
  say(`== catalog (public, ${admin.regionName}): ${types.join(', ')}`);
  const on = Object.entries(services).filter(([, v]) => v);
  if (on.length > 0) {
    // tempest.conf here is complete for identity only: other services' tests would also
    // need images, flavors and networks configured
    say(
      `== note: ${on.map(([k]) => k).join(', ')} marked available; only identity is configured in depth`,
    );
  }
  return services;
}

async function writeConf(
  ws: TempestWorkspace,
  admin: AdminCredentials,
  services: ServiceAvailability,
  options: TempestRunOptions,
): Promise<void> {
  const sections = applyOverrides(
    buildTempestConf({
      workspaceDir: ws.tempestDir,
      admin,
      services,
      identity: FULL_IDENTITY_FEATURES,
    }),
    options.overrides,
  );
  const text = renderIni(
    sections,
    'written by test/conformance/tempest/run.ts for one run; edit tempest-conf.ts, not this file',
  );
  writeFileSync(ws.confPath, text, { mode: 0o600 }); // holds the admin password
  say(`== tempest.conf: ${ws.confPath}`);
}

function progressReporter(
  total: number,
  verbose: boolean,
): { onLine: (line: string) => void; stop: () => void } {
  let finished = 0;
  const started = Date.now();
  const timer = verbose
    ? undefined
    : setInterval(() => {
        const minutes = ((Date.now() - started) / 60_000).toFixed(1);
        say(`   … ${finished}/${total} tests reported after ${minutes} min`);
      }, PROGRESS_EVERY_MS);
  return {
    onLine: (line) => {
      if (isFinishedTestLine(line)) finished++;
      if (verbose) say(line);
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}

function writeResultsJson(
  file: string,
  summary: Record<string, unknown>,
  results: PerTestResults,
  comparison: Comparison | null,
): void {
  const body = {
    summary: {
      ...summary,
      ...results.counts,
      reportedEntries: results.reportedEntries,
      notRun: results.notRun,
    },
    comparison: comparison && {
      expected: comparison.expected,
      passedAsExpected: comparison.passedAsExpected,
      notPassing: comparison.notPassing.map((m) => ({
        ...m.expected,
        status: m.status,
        reason: m.reason,
      })),
      newlyPassing: comparison.newlyPassing.map((t) => ({ uuid: t.uuid, testId: t.id })),
    },
    tests: results.tests,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 1)}\n`);
}

async function main(): Promise<number> {
  const options = parseRunOptions(process.argv.slice(2), PROJECT_ROOT);
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const admin = readAdminCredentials(process.env);
  // read the list first: a broken list should fail before a long run, not after
  const expected = options.expectedList
    ? parseExpectedList(readFileSync(options.expectedList, 'utf8'))
    : null;

  await ensureTools(
    [
      { command: 'tempest', debianPackage: 'tempest' },
      { command: 'stestr', debianPackage: 'python3-stestr' },
    ],
    (line) => say(`== ${line}`),
  );
  say(
    `== tempest against ${admin.identityV3Url} as ${admin.username}/${admin.projectName} (region ${admin.regionName})`,
  );
  const services = await detectServices(admin);

  const ws = await initTempestWorkspace(prepareWorkspaceDir(options.workspace));
  say(`== workspace: ${ws.root}`);
  await writeConf(ws, admin, services, options);

  const listed = await listTests(ws, options.regex);
  writeFileSync(path.join(ws.root, 'listed.txt'), listed.map((id) => `${id}\n`).join(''));
  if (listed.length === 0) throw new RunError(`--regex ${options.regex} selects no test`);
  say(
    `== ${listed.length} tests selected by --regex ${options.regex}; concurrency ${options.concurrency}`,
  );

  const progress = progressReporter(listed.length, options.verbose);
  const run = await runTempest(ws, {
    regex: options.regex,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMinutes * 60_000,
    onLine: progress.onLine,
  }).finally(progress.stop);
  say('== tempest totals');
  for (const line of tempestTotals(run.consoleOutput)) say(line);
  say(
    `== tempest exit ${run.exitCode ?? 'killed'}${run.timedOut ? ' (TIMED OUT)' : ''}, wall ${run.wallSeconds} s`,
  );
  say(`   console: ${run.consoleLog}`);
  say(`   HTTP log: ${path.join(ws.tempestDir, 'tempest.log')}`);

  const stream = await lastRunSubunit(ws);
  writeFileSync(path.join(ws.root, 'results.subunit'), stream);
  const parsed = parseSubunitV2(stream);
  if (parsed.packets.length === 0 && run.exitCode !== 0) {
    throw new RunError(`tempest produced no results; see ${run.consoleLog}`);
  }
  if (parsed.damagedPackets.length > 0) {
    say(`== warning: ${parsed.damagedPackets.length} damaged subunit packets skipped`);
  }
  const results = resultsPerTest(reportedTests(parsed.packets), listed);
  const comparison = expected ? compareWithExpected(expected, results.tests) : null;
  const resultsFile = path.join(ws.root, 'results.json');
  writeResultsJson(
    resultsFile,
    {
      endpoint: admin.identityV3Url,
      regex: options.regex,
      listed: listed.length,
      wallSeconds: run.wallSeconds,
      tempestExitCode: run.exitCode,
      timedOut: run.timedOut,
      services,
    },
    results,
    comparison,
  );

  const skips = skipReasonLines(results.tests);
  if (skips.length > 0) say('== skip reasons (tests per reason)');
  skips.forEach((line) => say(line));
  const failures = failureLines(results.tests);
  if (failures.length > 0) say('== failures');
  failures.forEach((line) => say(line));
  if (comparison && options.expectedList) {
    say('== comparison');
    comparisonLines(comparison, path.relative(PROJECT_ROOT, options.expectedList)).forEach((line) =>
      say(line),
    );
  }
  say(`== per-test results: ${resultsFile}`);
  say(countsLine(results.counts));

  if (comparison) return comparison.notPassing.length > 0 ? 1 : 0;
  return results.counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`tempest conformance run failed: ${(err as Error).message}\n`);
    }
    process.exitCode = 2;
  },
);
