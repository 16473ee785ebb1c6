// The conformance step of `npm test`: starts strata the way a user does (`strata up`) on a
// fresh data directory and free ports (conformance-plan.ts: the identity values Tempest
// assumes; block storage on the file backend with file backups), checks that every service
// of this build is in the catalog, then runs the real `openstack` CLI scenario and one Tempest
// run per API area (identity, image, volume), each compared with its expected-pass list and
// the interop guideline. Exit status: 0 when all held.
// Switches (conformance-plan.ts): STRATA_CONFORMANCE_AREAS=identity,volume | none | all,
// STRATA_CONFORMANCE_SCENARIO=off, STRATA_CONFORMANCE_DATABASE_URL=<url>.
import { readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { allServices } from '../../src/cli/services.ts';
import { freePortEnv } from '../support/free-port-env.ts';
import {
  AREA_TIMEOUT_MINUTES,
  CONFORMANCE_BUDGET_MINUTES,
  conformanceDirs,
  conformancePlan,
  missingCatalogTypes,
  partLimitMinutes,
  SCENARIO_TIMEOUT_MINUTES,
  strataConfigYaml,
} from './conformance-plan.ts';
import { readAdminCredentials } from './lib/openstack-env.ts';
import { claimOutputDir } from './output-lock.ts';
import { startWebImageServer } from './web-image-server.ts';
import { runCommand } from './lib/run-command.ts';
import { authenticateAdmin, publicServiceTypes, servicesAvailable } from './lib/service-catalog.ts';
import { areasToRun } from './tempest/areas.ts';
import type { AreaRunSummary } from './tempest/report.ts';
import { areaSummaryLine } from './tempest/report.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

// Services other than identity listen on ports the OS picks.
const FREE_PORT_ENV = freePortEnv();

function readRunSummary(file: string): AreaRunSummary | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AreaRunSummary;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForIdentity(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`strata exited with status ${child.exitCode} while starting`);
    try {
      const res = await fetch(`${url}/v3`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`strata did not answer at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<number> {
  const plan = conformancePlan(process.env, ROOT);
  const started = Date.now();
  const OUT = plan.outputDir;
  const dirs = conformanceDirs(path.join(OUT, 'data'));
  const dataDir = dirs.dataDir;
  const release = claimOutputDir(OUT);
  process.on('exit', release);
  const webImage = await startWebImageServer();
  const configFile = path.join(OUT, 'strata.yaml');
  writeFileSync(configFile, strataConfigYaml(dirs, webImage));
  const port = await freePort();
  const log = createWriteStream(path.join(OUT, 'strata.log'));
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/strata.js'),
      'up',
      '--data-dir',
      dataDir,
      '--config',
      configFile,
      '--identity-port',
      String(port),
      '--log-level',
      'info',
      // The same suites against PostgreSQL or MariaDB: STRATA_CONFORMANCE_DATABASE_URL.
      ...(plan.databaseUrl ? ['--database-url', plan.databaseUrl] : []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...FREE_PORT_ENV } },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  process.stdout.write(
    `== starting strata on ${baseUrl} (log: ${path.relative(ROOT, path.join(OUT, 'strata.log'))})\n`,
  );
  await waitForIdentity(baseUrl, child, 180_000);
  // The admin password is written before the first request is answered; wait for the
  // bootstrap to finish writing clouds.yaml.
  const deadline = Date.now() + 60_000;
  let password = '';
  while (Date.now() < deadline) {
    try {
      readFileSync(path.join(dataDir, 'clouds.yaml'));
      password = readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (!password) throw new Error('strata wrote no clouds.yaml');
  const env = {
    ...process.env,
    OS_AUTH_URL: `${baseUrl}/v3`,
    OS_USERNAME: 'admin',
    OS_PASSWORD: password,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  };
  const session = await authenticateAdmin(readAdminCredentials(env));
  const types = publicServiceTypes(session.catalog, env.OS_REGION_NAME);
  const areas = areasToRun(servicesAvailable(types), plan.areas ?? undefined);
  process.stdout.write(
    `== catalog: ${types.join(', ')}; Tempest areas: ${areas.join(', ') || 'none'}\n`,
  );
  if (plan.narrowedBy.length > 0) {
    process.stdout.write(`== NARROWED by ${plan.narrowedBy.join(', ')}: not a full run\n`);
  }
  // a service of this build missing from the catalog would leave its tests silently unrun
  const missing = missingCatalogTypes(
    allServices.map((s) => ({ service: s.type, types: s.catalog.map((c) => c.type) })),
    types,
  );
  if (missing.length > 0) {
    throw new Error(`strata's catalog lacks services of this build: ${missing.join(', ')}`);
  }

  let failed = 0;
  const walls: string[] = [];
  const budgetEnd = started + CONFORMANCE_BUDGET_MINUTES * 60_000;
  /** Runs one part within its limit, cut to what is left of the budget; its exit status. */
  const runPart = async (
    name: string,
    script: string,
    args: (limitMinutes: number) => string[],
    ownLimit: number,
  ): Promise<number | null> => {
    process.stdout.write(`\n== ${name}\n`);
    const limit = partLimitMinutes(ownLimit, budgetEnd - Date.now());
    if (limit === null) {
      failed++;
      process.stdout.write(
        `== ${name}: FAILED (not started: the ${CONFORMANCE_BUDGET_MINUTES} min budget is spent)\n`,
      );
      return null;
    }
    const partStarted = Date.now();
    const r = await runCommand(process.execPath, ['--import', 'tsx', script, ...args(limit)], {
      cwd: ROOT,
      env,
      inheritOutput: true,
      timeoutMs: limit * 60_000,
    });
    walls.push(`${name}: ${((Date.now() - partStarted) / 1000).toFixed(0)} s`);
    if (r.exitCode !== 0) {
      failed++;
      const why = r.timedOut ? `stopped after ${limit} min` : `exit ${r.exitCode ?? r.signal}`;
      process.stdout.write(`== ${name}: FAILED (${why})\n`);
    }
    return r.exitCode;
  };
  if (plan.scenario) {
    await runPart(
      'openstack CLI scenario',
      'test/conformance/osc/run.ts',
      () => ['--volume-dir', dirs.volumeDir, '--log', path.join(OUT, 'osc', 'scenario.log')],
      SCENARIO_TIMEOUT_MINUTES,
    );
  }
  const summaries: string[] = [];
  for (const area of areas) {
    const workspace = path.join(OUT, 'tempest', area);
    const exitCode = await runPart(
      `Tempest tempest.api.${area}`,
      'test/conformance/tempest/run.ts',
      // tempest itself stops a minute or two earlier, so the runner still reports what ran
      (limit) => [
        '--area',
        area,
        '--workspace',
        workspace,
        '--timeout-minutes',
        String(Math.max(1, limit - 2)),
        '--http-image',
        webImage.url,
      ],
      AREA_TIMEOUT_MINUTES[area],
    );
    summaries.push(
      areaSummaryLine(area, readRunSummary(path.join(workspace, 'results.json')), exitCode),
    );
  }
  if (summaries.length > 0) {
    process.stdout.write(`\n== Tempest per area\n${summaries.map((l) => `${l}\n`).join('')}`);
  }
  const total = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\n== wall: ${[...walls, `whole conformance step: ${total} s`].join('; ')}\n`,
  );
  process.stdout.write(`== web-download image server: ${webImage.downloads()} downloads\n`);
  await webImage.close();
  stop();
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
