// Tempest conformance runner: writes a tempest.conf for the endpoint in OS_*, runs the
// selected tests, reports per test id, and compares with the expected-pass list.
// Usage: node --import tsx test/conformance/tempest/run.ts --help
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTools } from '../lib/debian-packages.ts';
import { readAdminCredentials } from '../lib/openstack-env.ts';
import type { AdminCredentials } from '../lib/openstack-env.ts';
import { ApiClient } from '../lib/openstack-http.ts';
import type { AdminSession, ServiceAvailability } from '../lib/service-catalog.ts';
import {
  authenticateAdmin,
  publicEndpointUrl,
  publicServiceTypes,
  servicesAvailable,
  tagAvailable,
  VOLUME_CATALOG_TYPES,
} from '../lib/service-catalog.ts';
import { AREAS } from './areas.ts';
import type {
  ActiveExpectations,
  AreaExpectations,
  Comparison,
  NeedsAnotherService,
} from './expected-passes.ts';
import {
  activeExpectations,
  compareWithExpected,
  loadExpectations,
  needsAnotherService,
} from './expected-passes.ts';
import { FULL_IDENTITY_FEATURES } from './identity-features.ts';
import type { InteropCoverage, InteropTest } from './interop.ts';
import { interopCoverage, interopFailures, parseInteropGuideline } from './interop.ts';
import {
  comparisonLines,
  countsLine,
  failureLines,
  interopLines,
  isFinishedTestLine,
  needsAnotherServiceLines,
  skipReasonLines,
  tempestTotals,
} from './report.ts';
import type { TempestRunOptions } from './run-options.ts';
import { parseRunOptions, USAGE, UsageError } from './run-options.ts';
import type { ImageSettings, VolumeSettings } from './service-features.ts';
import {
  detectImageFacts,
  detectVolumeFacts,
  imageSettings,
  volumeSettings,
} from './service-features.ts';
import { parseSubunitV2 } from './subunit-v2.ts';
import { applyOverrides, buildTempestConf, renderIni } from './tempest-conf.ts';
import { createTestImage, deleteTestImage } from './test-image.ts';
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

/** The cloud as the run sees it: the admin session, what is available, and the settings. */
interface CloudUnderTest {
  session: AdminSession;
  services: ServiceAvailability;
  imageEndpoint: string | null;
  image?: ImageSettings;
  volume?: VolumeSettings;
}

async function inspectCloud(
  admin: AdminCredentials,
  options: TempestRunOptions,
): Promise<CloudUnderTest> {
  let session: AdminSession;
  try {
    session = await authenticateAdmin(admin);
  } catch (err) {
    throw new RunError((err as Error).message);
  }
  const types = publicServiceTypes(session.catalog, admin.regionName);
  if (!types.includes('identity')) {
    throw new RunError(`the catalog has no public identity endpoint in region ${admin.regionName}`);
  }
  const services = servicesAvailable(types);
  say(`== catalog (public, ${admin.regionName}): ${types.join(', ')}`);
  const area = AREAS[options.area];
  if (!tagAvailable(area.service, services)) {
    throw new RunError(`area ${area.name}: the catalog has no public ${area.service} endpoint`);
  }
  const api = new ApiClient(session.token);
  const warn = (line: string): void => say(`== warning: ${line}`);
  const endpoint = (catalogTypes: readonly string[]): string | null =>
    publicEndpointUrl(session.catalog, catalogTypes, admin.regionName, session.projectId);
  const cloud: CloudUnderTest = { session, services, imageEndpoint: endpoint(['image']) };
  if (services.glance && cloud.imageEndpoint) {
    const facts = await detectImageFacts(api, cloud.imageEndpoint, warn);
    const { settings, notes } = imageSettings(facts, options.imageImport);
    cloud.image = settings;
    notes.forEach((n) => say(`== ${n}`));
  }
  const volumeType = VOLUME_CATALOG_TYPES.find((t) => types.includes(t));
  const volumeEndpoint = endpoint(VOLUME_CATALOG_TYPES);
  if (services.cinder && volumeType && volumeEndpoint) {
    const facts = await detectVolumeFacts(api, volumeEndpoint, volumeType, warn);
    const { settings, notes } = volumeSettings(facts, options.volumeBackup);
    cloud.volume = settings;
    notes.forEach((n) => say(`== ${n}`));
  }
  return cloud;
}

function writeConf(
  ws: TempestWorkspace,
  admin: AdminCredentials,
  cloud: CloudUnderTest,
  options: TempestRunOptions,
  imageRef: string | null,
): void {
  const sections = applyOverrides(
    buildTempestConf({
      workspaceDir: ws.tempestDir,
      admin,
      services: cloud.services,
      identity: FULL_IDENTITY_FEATURES,
      buildTimeoutSeconds: options.buildTimeoutSeconds,
      ...(cloud.image ? { image: cloud.image } : {}),
      ...(cloud.volume ? { volume: cloud.volume } : {}),
      ...(imageRef ? { imageRef } : {}),
      ...(options.httpImage ? { httpImage: options.httpImage } : {}),
    }),
    options.overrides,
  );
  const text = renderIni(
    sections,
    'written by test/conformance/tempest/run.ts for one run; edit tempest-conf.ts, not this file',
  );
  writeFileSync(ws.confPath, text, { mode: 0o600 }); // holds the admin password
  say(`== tempest.conf: ${ws.confPath}${imageRef ? ` ([compute] image_ref ${imageRef})` : ''}`);
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
  needs: readonly NeedsAnotherService[],
  interop: InteropCoverage | null,
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
    needsAnotherService: needs.map((n) => ({
      service: n.service,
      tests: n.tests.map((t) => ({ ...t.expected, status: t.status })),
    })),
    interop,
    tests: results.tests,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 1)}\n`);
}

/** Reads the lists before anything slow: a broken list should fail before a long run. */
function readLists(options: TempestRunOptions): {
  lists: AreaExpectations | null;
  guideline: InteropTest[] | null;
} {
  const lists = options.expectedList ? loadExpectations(options.expectedList) : null;
  const guideline = options.interopList
    ? parseInteropGuideline(readFileSync(options.interopList, 'utf8'))
    : null;
  return { lists, guideline };
}

/** An image for [compute] image_ref when volume tests run and the cloud has glance. */
async function prepareImageRef(
  cloud: CloudUnderTest,
  options: TempestRunOptions,
  listed: readonly string[],
): Promise<{ id: string; uploaded: boolean } | null> {
  if (options.imageRef) return { id: options.imageRef, uploaded: false };
  const wanted = listed.some((id) => id.startsWith(AREAS.volume.prefix));
  if (!wanted || !cloud.services.glance || !cloud.imageEndpoint) return null;
  const name = `tempest-conformance-image-${Date.now().toString(36)}`;
  const id = await createTestImage(new ApiClient(cloud.session.token), cloud.imageEndpoint, name);
  say(`== uploaded image ${name} (${id}) for [compute] image_ref; deleted after the run`);
  return { id, uploaded: true };
}

function comparisonLabel(lists: AreaExpectations, active: ActiveExpectations): string {
  const rel = (f: string): string => path.relative(PROJECT_ROOT, f);
  const counted = lists.needs.filter((n) => !active.needingAbsent.includes(n));
  return [lists.file, ...counted.map((n) => n.file)].map(rel).join(' + ');
}

async function main(): Promise<number> {
  const options = parseRunOptions(process.argv.slice(2), PROJECT_ROOT);
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const admin = readAdminCredentials(process.env);
  const { lists, guideline } = readLists(options);

  await ensureTools(
    [
      { command: 'tempest', debianPackage: 'tempest' },
      { command: 'stestr', debianPackage: 'python3-stestr' },
    ],
    (line) => say(`== ${line}`),
  );
  say(
    `== tempest (${options.area}) against ${admin.identityV3Url} as ${admin.username}/${admin.projectName} (region ${admin.regionName})`,
  );
  const cloud = await inspectCloud(admin, options);

  const ws = await initTempestWorkspace(prepareWorkspaceDir(options.workspace));
  say(`== workspace: ${ws.root}`);
  writeConf(ws, admin, cloud, options, options.imageRef);

  const listed = await listTests(ws, options.regex);
  writeFileSync(path.join(ws.root, 'listed.txt'), listed.map((id) => `${id}\n`).join(''));
  if (listed.length === 0) throw new RunError(`--regex ${options.regex} selects no test`);
  say(
    `== ${listed.length} tests selected by --regex ${options.regex}; concurrency ${options.concurrency}`,
  );

  let image: { id: string; uploaded: boolean } | null = null;
  try {
    image = await prepareImageRef(cloud, options, listed).catch((err: unknown) => {
      throw new RunError(
        `cannot upload an image for [compute] image_ref: ${(err as Error).message}`,
      );
    });
    if (image?.uploaded) writeConf(ws, admin, cloud, options, image.id);
    return await runAndReport(ws, admin, cloud, options, listed, lists, guideline);
  } finally {
    if (image?.uploaded) await removeImage(admin, cloud, image.id);
  }
}

/** Deletes the uploaded image with a fresh token (the run may outlast the first one). */
async function removeImage(
  admin: AdminCredentials,
  cloud: CloudUnderTest,
  id: string,
): Promise<void> {
  try {
    const session = await authenticateAdmin(admin).catch(() => cloud.session);
    await deleteTestImage(new ApiClient(session.token), cloud.imageEndpoint ?? '', id);
  } catch (err) {
    say(`== warning: could not delete image ${id}: ${(err as Error).message}`);
  }
}

async function runAndReport(
  ws: TempestWorkspace,
  admin: AdminCredentials,
  cloud: CloudUnderTest,
  options: TempestRunOptions,
  listed: readonly string[],
  lists: AreaExpectations | null,
  guideline: InteropTest[] | null,
): Promise<number> {
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
  const active = lists ? activeExpectations(lists, cloud.services) : null;
  const comparison =
    lists && active
      ? compareWithExpected(
          active.expected,
          results.tests,
          active.needingAbsent.flatMap((n) => n.tests),
        )
      : null;
  const needs = active ? needsAnotherService(active.needingAbsent, results.tests) : [];
  const interop = guideline
    ? interopCoverage(guideline, results.tests, AREAS[options.area].prefix, active?.needingAbsent)
    : null;
  const resultsFile = path.join(ws.root, 'results.json');
  writeResultsJson(
    resultsFile,
    {
      area: options.area,
      endpoint: admin.identityV3Url,
      regex: options.regex,
      listed: listed.length,
      wallSeconds: run.wallSeconds,
      tempestExitCode: run.exitCode,
      timedOut: run.timedOut,
      services: cloud.services,
    },
    results,
    comparison,
    needs,
    interop,
  );

  const skips = skipReasonLines(results.tests);
  if (skips.length > 0) say('== skip reasons (tests per reason)');
  skips.forEach((line) => say(line));
  const failures = failureLines(results.tests);
  if (failures.length > 0) say('== failures');
  failures.forEach((line) => say(line));
  if (comparison && lists && active) {
    say('== comparison');
    comparisonLines(comparison, comparisonLabel(lists, active)).forEach((line) => say(line));
    needsAnotherServiceLines(needs).forEach((line) => say(line));
  }
  if (interop && interop.required > 0) {
    say('== interop');
    interopLines(interop, path.basename(options.interopList ?? '', '.txt')).forEach((line) =>
      say(line),
    );
  }
  const interopMisses = interopFailures(interop, options.regex === AREAS[options.area].regex);
  if (interopMisses.length > 0) {
    say(`== FAILED: ${interopMisses.length} required interop ids of the area did not pass (above)`);
  }
  say(`== per-test results: ${resultsFile}`);
  say(countsLine(results.counts));

  if (interopMisses.length > 0) return 1;
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
