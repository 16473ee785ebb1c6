// `npm run bench -- identity-tokens`: token issue and token validate under concurrent load,
// against strata and (when installed) the real Keystone, one after the other with the same
// client; writes bench/results/identity-tokens-<time>.json and docs/benchmarks/identity-tokens.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from '../lib/http-client.ts';
import {
  TokenWorkload,
  type LoadSettings,
  type Measurement,
  type TokenOperation,
} from './token-workload.ts';
import { parseBenchOptions, usage, UsageError, type BenchOptions } from '../options.ts';
import { CleanupStack } from '../targets/cleanup.ts';
import { startStrata, type RunningTarget } from '../targets/strata-server.ts';
import {
  installedKeystoneVersion,
  keystoneAvailability,
  startKeystone,
} from '../targets/keystone-server.ts';
import { collectMachineFacts, toolVersion } from '../report/machine-facts.ts';
import {
  checkGoals,
  compare,
  failedMeasurements,
  type BenchResult,
  type TargetName,
  type TargetResult,
} from '../report/bench-result.ts';
import { renderMarkdown } from '../report/markdown-report.ts';
import { snapshotSource } from '../targets/source-snapshot.ts';
import { treeCpuSeconds } from '../lib/process-cpu.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function describeMeasurement(target: TargetName, m: Measurement): string {
  const l = m.latencyMs;
  return (
    `${target} ${m.operation}: ${m.throughputPerSec.toFixed(1)}/s, p50 ${l.p50.toFixed(2)} ms, p90 ${l.p90.toFixed(2)} ms, ` +
    `p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms, errors ${m.errors}/${m.ok + m.errors}, ` +
    `server CPU ${m.serverCpuMsPerOp?.toFixed(3) ?? '?'} ms/op (${m.serverCpuCores?.toFixed(2) ?? '?'} cores), ` +
    `client ${m.clientCpuCores.toFixed(2)} cores (load before ${m.loadAverageBefore.join(' ')})`
  );
}

interface PreparedTarget {
  readonly name: TargetName;
  readonly client: HttpClient;
  readonly workload: TokenWorkload;
  readonly adminToken: string;
  readonly pool: readonly string[];
  readonly measurements: Partial<Record<TokenOperation, Measurement>>;
}

/** Issues the caller token and the validate pool, and checks one full validation. */
async function prepareTarget(
  name: TargetName,
  target: RunningTarget,
  opts: BenchOptions,
): Promise<PreparedTarget> {
  const client = new HttpClient(target.credentials.authUrl, opts.concurrency);
  try {
    const workload = new TokenWorkload(client, target.credentials, () =>
      treeCpuSeconds(target.processIds()),
    );
    const adminToken = await workload.issueToken();
    let pool: string[] = [];
    if (opts.operations.includes('validate')) {
      say(`${name}: issuing ${opts.tokenPoolSize} subject tokens`);
      pool = await workload.issueTokenPool(opts.tokenPoolSize);
      await workload.checkValidate(adminToken, pool[0]!);
    }
    return { name, client, workload, adminToken, pool, measurements: {} };
  } catch (err) {
    client.close();
    throw err;
  }
}

/**
 * Measures each operation on every server in turn (strata, then Keystone, then the next
 * operation), so the two measurements of one operation are minutes apart at most on a
 * machine whose background load drifts.
 */
async function measureAll(prepared: readonly PreparedTarget[], opts: BenchOptions): Promise<void> {
  const settings: LoadSettings = {
    concurrency: opts.concurrency,
    durationMs: opts.durationSec * 1000,
    warmupMs: opts.warmupSec * 1000,
  };
  const phase = `C=${opts.concurrency}, ${opts.warmupSec} s warm-up + ${opts.durationSec} s`;
  for (const op of opts.operations) {
    for (const t of prepared) {
      say(`${t.name}: token ${op}, ${phase}`);
      const m =
        op === 'issue'
          ? await t.workload.measureIssue(settings)
          : await t.workload.measureValidate(settings, t.adminToken, t.pool);
      t.measurements[op] = m;
      say(describeMeasurement(t.name, m));
    }
  }
}

function strataDetails(
  opts: BenchOptions,
  commit: string,
  version: string,
): Record<string, string> {
  return {
    version: `${version} (${commit})`,
    server: '`strata up`: one Node.js process (Fastify), identity on its own port',
    database: 'SQLite (embedded default), fresh data dir',
    logging: 'warn',
    ...(opts.strataCpuProfileDir ? { profiling: 'run under node --cpu-prof (slower)' } : {}),
  };
}

function keystoneDetails(opts: BenchOptions): Record<string, string> {
  const uwsgi = toolVersion('uwsgi', ['--version']) ?? '?';
  const python = toolVersion('python3', ['--version']) ?? 'python3 ?';
  return {
    version: `${installedKeystoneVersion() ?? '?'} (Debian package, Zed), ${python}`,
    server:
      `uwsgi ${uwsgi}, ${opts.keystoneProcesses} process x ${opts.keystoneThreads} thread, HTTP parsed in the worker; ` +
      'answers `Connection: close`, so every request opens a new connection',
    database: 'SQLite, fresh state dir',
    tokens: 'fernet; in-process dogpile memory_pickle cache (start-keystone.sh)',
    config: `start-keystone.sh --fresh, KEYSTONE_FEATURES=${opts.keystoneFeatures}`,
  };
}

function printSummary(result: BenchResult): void {
  const rows: string[] = [];
  for (const op of ['issue', 'validate'] as const) {
    for (const t of result.targets) {
      const m = t.measurements[op];
      if (!m) continue;
      const l = m.latencyMs;
      rows.push(
        `${op.padEnd(9)}${t.name.padEnd(10)}${m.throughputPerSec.toFixed(1).padStart(10)}/s` +
          `  p50 ${l.p50.toFixed(2).padStart(8)} ms  p99 ${l.p99.toFixed(2).padStart(8)} ms  errors ${m.errors}`,
      );
    }
    const c = compare(result, op);
    if (c)
      rows.push(
        `${op.padEnd(9)}${'ratio'.padEnd(10)}${c.throughput.toFixed(1).padStart(10)}x   p50 ${c.p50.toFixed(1)}x faster, p99 ${c.p99.toFixed(1)}x faster`,
      );
  }
  if (result.keystoneSkipped)
    rows.push(`(the real Keystone was not measured: ${result.keystoneSkipped})`);
  for (const g of checkGoals(result)) {
    rows.push(
      `target: ${g.goal}: ${g.measured} -> ${g.met === undefined ? 'not measured' : g.met ? 'met' : 'MISSED'}`,
    );
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

/** Runs the identity benchmark with these command-line arguments; resolves to the exit code. */
export async function runIdentityBench(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchOptions(argv, process.env, {
      keystoneScript: path.resolve(repoRoot, '../shared/tools/conformance/start-keystone.sh'),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(usage);
    return 0;
  }

  const startedAt = new Date();
  const machine = collectMachineFacts(repoRoot);
  const cleanup = new CleanupStack();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  const removeWorkDir = () => fs.rmSync(workDir, { recursive: true, force: true });
  cleanup.push({
    name: `work dir ${workDir}`,
    run: async () => removeWorkDir(),
    runSync: removeWorkDir,
  });

  let keystoneSkipped: string | undefined;
  if (!opts.keystone) keystoneSkipped = 'disabled with --no-keystone / BENCH_KEYSTONE=0';
  else {
    const availability = keystoneAvailability(opts.keystoneScript);
    if (!availability.available) keystoneSkipped = availability.reason;
  }
  if (keystoneSkipped)
    say(`the real Keystone will NOT be measured: ${keystoneSkipped}; measuring strata alone`);

  const targets: TargetResult[] = [];
  const prepared: PreparedTarget[] = [];
  try {
    // Keystone starts first: its 30-50 s start is the heavy part; both servers then idle
    // while the other one is measured (uwsgi blocks in accept, Node in epoll).
    let keystone: RunningTarget | undefined;
    if (!keystoneSkipped) {
      say('starting the real Keystone (start-keystone.sh --fresh, takes 30-50 s)');
      keystone = await startKeystone({
        script: opts.keystoneScript,
        workDir,
        hashRounds: opts.hashRounds,
        features: opts.keystoneFeatures,
        processes: opts.keystoneProcesses,
        threads: opts.keystoneThreads,
        cleanup,
      });
      say(`Keystone up at ${keystone.credentials.authUrl}`);
    }
    let sourceRoot = repoRoot;
    let strataCommit = machine.strataCommit;
    if (opts.strataRef) {
      const snapshot = snapshotSource(repoRoot, opts.strataRef, path.join(workDir, 'strata-src'));
      sourceRoot = snapshot.root;
      strataCommit = `${opts.strataRef} = ${snapshot.commit}, not the working tree`;
    }
    say(`starting strata${opts.strataRef ? ` from ${strataCommit}` : ''}`);
    const cpuProfileDir = opts.strataCpuProfileDir
      ? path.resolve(repoRoot, opts.strataCpuProfileDir)
      : undefined;
    const strata = await startStrata({
      sourceRoot,
      workDir,
      hashRounds: opts.hashRounds,
      cpuProfileDir,
      cleanup,
    });
    say(`strata up at ${strata.credentials.authUrl}`);

    prepared.push(await prepareTarget('strata', strata, opts));
    if (keystone) prepared.push(await prepareTarget('keystone', keystone, opts));
    await measureAll(prepared, opts);

    await strata.stop();
    if (cpuProfileDir) say(`strata CPU profile written to ${cpuProfileDir}`);
    if (keystone) await keystone.stop();
    for (const t of prepared) {
      const details =
        t.name === 'strata'
          ? strataDetails(opts, strataCommit, machine.strataVersion)
          : keystoneDetails(opts);
      targets.push({ name: t.name, details, measurements: t.measurements });
    }
  } finally {
    for (const t of prepared) t.client.close();
    await cleanup.runAll();
  }

  const result: BenchResult = {
    benchmark: 'identity-tokens',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: {
      concurrency: opts.concurrency,
      durationSec: opts.durationSec,
      warmupSec: opts.warmupSec,
      tokenPoolSize: opts.tokenPoolSize,
      hashRounds: opts.hashRounds,
      maxErrorRate: opts.maxErrorRate,
    },
    machine,
    targets,
    ...(keystoneSkipped ? { keystoneSkipped } : {}),
  };
  const resultsDir = path.resolve(repoRoot, opts.resultsDir);
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const jsonFile = path.join(resultsDir, `identity-tokens-${stamp}.json`);
  const comparisons = (['issue', 'validate'] as const)
    .map((op) => compare(result, op))
    .filter((c) => c !== undefined);
  fs.writeFileSync(
    jsonFile,
    `${JSON.stringify({ ...result, comparisons, goals: checkGoals(result) }, null, 2)}\n`,
  );
  say(`results: ${path.relative(process.cwd(), jsonFile)}`);
  if (opts.markdownFile) {
    const mdFile = path.resolve(repoRoot, opts.markdownFile);
    fs.mkdirSync(path.dirname(mdFile), { recursive: true });
    fs.writeFileSync(mdFile, renderMarkdown(result));
    say(`report: ${path.relative(process.cwd(), mdFile)}`);
  }
  printSummary(result);

  const failed = failedMeasurements(result);
  for (const f of failed) say(`FAILED (error rate above ${opts.maxErrorRate * 100}%): ${f}`);
  const missed = checkGoals(result).filter((g) => g.met === false);
  if (failed.length) return 1;
  if (opts.enforceTargets && missed.length) return 1;
  return 0;
}
