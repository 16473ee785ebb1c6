// `npm run bench -- volume-rate`: volume create/delete rate through the Cinder v3 API of strata
// (file backend raw and qcow2, fake backend) and the real Cinder (fake driver) when it can run
// here; writes bench/results/volume-rate-<time>.json and docs/benchmarks/volume-rate.md.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../lib/http-client.ts';
import { openSession } from '../lib/openstack-session.ts';
import { UsageError } from '../options.ts';
import { collectMachineFacts, toolVersion } from '../report/machine-facts.ts';
import { CleanupStack } from '../targets/cleanup.ts';
import { freePort } from '../targets/free-port.ts';
import { aioAvailability, connectAio, debianVersion, startAio } from '../targets/openstack-aio.ts';
import { startStrata } from '../targets/strata-server.ts';
import type { KeystoneCredentials } from '../identity/keystone-credentials.ts';
import { VolumeApi } from './volume-api.ts';
import { runCycle, type CycleResult, type CycleSettings } from './volume-cycle.ts';
import { parseVolumeOptions, volumeUsage, type VolumeBenchOptions, type VolumeTargetName } from './volume-options.ts';
import { renderVolumeMarkdown, summarizeTarget, type VolumeBenchResult, type VolumeTargetResult } from './volume-report.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);

function say(line: string): void {
  process.stderr.write(`bench volume-rate: ${line}\n`);
}

interface FileChecks {
  readonly dir: string;
  readonly format: 'raw' | 'qcow2';
}

/** Every volume has its file, which qemu-img reads with the right format and size. */
async function checkVolumeFiles(files: FileChecks, ids: readonly string[], sizeGiB: number): Promise<void> {
  for (const id of ids) {
    const file = path.join(files.dir, `volume-${id}.${files.format}`);
    if (!fs.existsSync(file)) throw new Error(`volume ${id} is available but ${file} does not exist`);
    const { stdout } = await execFileAsync('qemu-img', ['info', '--output=json', '-U', '-f', files.format, file]);
    const info = JSON.parse(stdout) as { format: string; 'virtual-size': number };
    if (info.format !== files.format || info['virtual-size'] !== sizeGiB * 2 ** 30) {
      throw new Error(`qemu-img info ${file}: format ${info.format}, virtual size ${info['virtual-size']}`);
    }
  }
}

function checkNoVolumeFiles(files: FileChecks): void {
  const left = fs.readdirSync(files.dir).filter((n) => n.startsWith('volume-'));
  if (left.length) throw new Error(`${left.length} volume files left in ${files.dir} after every volume was deleted (e.g. ${left[0]})`);
}

async function measureTarget(
  name: VolumeTargetName,
  creds: KeystoneCredentials,
  opts: VolumeBenchOptions,
  files: FileChecks | undefined,
): Promise<CycleResult[]> {
  const authClient = new HttpClient(creds.authUrl, 1);
  const session = await openSession(authClient, creds).finally(() => authClient.close());
  const api = new VolumeApi(session.endpoint('block-storage', 'volumev3'), session.token, opts.concurrency + 1);
  try {
    await api.unlimitedQuota(session.projectId);
    const base: CycleSettings = {
      volumes: opts.volumes,
      concurrency: opts.concurrency,
      sizeGiB: opts.sizeGiB,
      pollMs: opts.pollMs,
      timeoutMs: Math.max(120_000, opts.volumes * 5_000),
      namePrefix: `bench-${name}`,
    };
    const checks = files
      ? {
          afterCreate: (ids: readonly string[]) => checkVolumeFiles(files, ids, opts.sizeGiB),
          afterDelete: async () => checkNoVolumeFiles(files),
        }
      : {};
    // Warm-up, not counted: the first requests pay for connections, code loading and JIT.
    await runCycle(api, { ...base, volumes: 2, concurrency: 2, namePrefix: `${base.namePrefix}-warm-up` }, checks);
    const cycles: CycleResult[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      const c = await runCycle(api, { ...base, namePrefix: `${base.namePrefix}-${rep}` }, checks);
      cycles.push(c);
      say(
        `${name} #${rep}: create ${c.create.perSecond.toFixed(1)} vol/s (${c.create.seconds.toFixed(2)} s), ` +
          `delete ${c.delete.perSecond.toFixed(1)} vol/s (${c.delete.seconds.toFixed(2)} s), load ${c.loadAverageBefore}`,
      );
    }
    return cycles;
  } finally {
    api.close();
  }
}

const strataSettings: Record<Exclude<VolumeTargetName, 'cinder-fake'>, { backend: string; format?: 'raw' | 'qcow2' }> = {
  'strata-file-raw': { backend: 'file', format: 'raw' },
  'strata-file-qcow2': { backend: 'file', format: 'qcow2' },
  'strata-fake': { backend: 'fake' },
};

/** Runs the volume benchmark with these command-line arguments; resolves to the exit code. */
export async function runVolumeBench(argv: readonly string[]): Promise<number> {
  let opts: VolumeBenchOptions;
  try {
    opts = parseVolumeOptions(argv, process.env, { aioScripts: path.resolve(repoRoot, '../shared/tools/aio') });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench volume-rate: ${err.message}\n\n${volumeUsage}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(volumeUsage);
    return 0;
  }
  const startedAt = new Date();
  const machine = collectMachineFacts(repoRoot);
  const cleanup = new CleanupStack();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-volume-'));
  const removeWorkDir = () => fs.rmSync(workDir, { recursive: true, force: true });
  cleanup.push({ name: `work dir ${workDir}`, run: async () => removeWorkDir(), runSync: removeWorkDir });

  const targets: VolumeTargetResult[] = [];
  const skipped: Partial<Record<VolumeTargetName, string>> = {};
  try {
    for (const name of opts.targets) {
      if (name === 'cinder-fake') {
        let aio;
        if (opts.reuseAio) aio = await connectAio(['cinder']);
        else {
          const availability = await aioAvailability(opts.aioScripts, ['cinder']);
          if (!availability.available) {
            skipped[name] = availability.reason;
            say(`the real Cinder will NOT be measured: ${availability.reason}`);
            continue;
          }
          say('starting the real Cinder (start-aio.sh infra keystone catalog cinder; a few minutes)');
          aio = await startAio({ scriptDir: opts.aioScripts, services: ['cinder'], workDir, cleanup });
        }
        const cycles = await measureTarget(name, aio.credentials, opts, undefined);
        await aio.stop();
        targets.push({
          name,
          cycles,
          details: {
            version: `${debianVersion('cinder-api') ?? '?'} (Debian package, Zed)`,
            server: 'cinder-api (eventlet, 2 workers), cinder-scheduler, cinder-volume over RabbitMQ, from ../shared/tools/aio/start-aio.sh; MariaDB',
            backend: '`cinder.tests.fake_driver.FakeLoggingVolumeDriver` (no data plane; LVM is impossible without device-mapper)',
          },
        });
        continue;
      }
      const s = strataSettings[name];
      const volumeDir = path.join(workDir, `${name}-volumes`);
      say(`starting strata (${name})`);
      const strata = await startStrata({
        sourceRoot: repoRoot,
        workDir,
        hashRounds: 4,
        cleanup,
        dataDirName: `${name}-data`,
        env: {
          STRATA_IMAGE__PORT: String(await freePort()),
          STRATA_BLOCK_STORAGE__PORT: String(await freePort()),
          STRATA_BLOCK_STORAGE__ENABLED_BACKENDS: s.backend,
          ...(s.format ? { STRATA_BLOCK_STORAGE__FILE_BACKEND_FORMAT: s.format, STRATA_BLOCK_STORAGE__FILE_BACKEND_DIR: volumeDir } : {}),
        },
      });
      const files = s.format ? { dir: volumeDir, format: s.format } : undefined;
      const cycles = await measureTarget(name, strata.credentials, opts, files);
      await strata.stop();
      targets.push({
        name,
        cycles,
        details: {
          version: `${machine.strataVersion} (${machine.strataCommit})`,
          server: '`strata up`: one Node.js process; block-storage API, scheduler and volume tasks in it; SQLite',
          backend:
            s.format === 'qcow2'
              ? `file backend, qcow2 files made with \`qemu-img create\` (${toolVersion('qemu-img', ['--version']) ?? 'qemu-img'}) in ${volumeDir}, iSCSI export off`
              : s.format === 'raw'
                ? `file backend, sparse raw files (ftruncate) in ${volumeDir}, iSCSI export off`
                : 'fake backend (in memory, no data plane)',
        },
      });
    }
  } finally {
    await cleanup.runAll();
  }

  const result: VolumeBenchResult = {
    benchmark: 'volume-rate',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: {
      volumes: opts.volumes,
      concurrency: opts.concurrency,
      sizeGiB: opts.sizeGiB,
      repetitions: opts.repetitions,
      pollMs: opts.pollMs,
    },
    machine,
    targets,
    skipped,
  };
  const resultsDir = path.resolve(repoRoot, opts.resultsDir);
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const jsonFile = path.join(resultsDir, `volume-rate-${stamp}.json`);
  const summaries = targets.map((t) => summarizeTarget(t, opts.volumes)).filter((x) => x !== undefined);
  fs.writeFileSync(jsonFile, `${JSON.stringify({ ...result, summaries }, null, 2)}\n`);
  say(`results: ${path.relative(process.cwd(), jsonFile)}`);
  if (opts.markdownFile) {
    const md = path.resolve(repoRoot, opts.markdownFile);
    fs.mkdirSync(path.dirname(md), { recursive: true });
    fs.writeFileSync(md, renderVolumeMarkdown(result));
    say(`report: ${path.relative(process.cwd(), md)}`);
  }
  process.stdout.write(
    `${summaries
      .map(
        (x) =>
          `${x.name.padEnd(18)} create ${x.createPerSec.toFixed(1).padStart(7)} vol/s  delete ${x.deletePerSec.toFixed(1).padStart(7)} vol/s  ` +
          `create+delete ${x.cyclePerSec.toFixed(1).padStart(7)} vol/s  (median of ${x.cycles})`,
      )
      .join('\n')}\n`,
  );
  return 0;
}
