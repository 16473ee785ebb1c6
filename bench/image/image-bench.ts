// `npm run bench -- image-data`: image upload and download through the Glance v2 API of strata
// (and the real Glance when it can run here) against the raw speed of the same disk, measured
// in the same run; writes bench/results/image-data-<time>.json and docs/benchmarks/image-data.md.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomFillSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream } from '../../src/services/image/data-digest.ts';
import { HttpClient } from '../lib/http-client.ts';
import { openSession } from '../lib/openstack-session.ts';
import { treeCpuSeconds } from '../lib/process-cpu.ts';
import {
  ddRead,
  ddWrite,
  evictFromPageCache,
  filesystemOf,
  freeBytes,
  pageCacheResidentBytes,
  syncAll,
} from '../lib/disk-io.ts';
import { UsageError } from '../options.ts';
import { collectMachineFacts } from '../report/machine-facts.ts';
import { CleanupStack } from '../targets/cleanup.ts';
import { freePort } from '../targets/free-port.ts';
import { aioAvailability, connectAio, debianVersion, startAio, type RunningAio } from '../targets/openstack-aio.ts';
import { startStrata } from '../targets/strata-server.ts';
import { ImageApi } from './image-api.ts';
import { imageUsage, parseImageOptions, type ImageBenchOptions } from './image-options.ts';
import {
  imageGoals,
  ratios,
  summarize,
  type ImageBenchResult,
  type ImageTargetInfo,
  type TransferKind,
  type TransferSample,
} from './image-result.ts';
import { renderImageMarkdown } from './image-report.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;

function say(line: string): void {
  process.stderr.write(`bench image-data: ${line}\n`);
}

/** One service under test: its API, where its store keeps an image's bytes, its processes. */
interface ImageTarget {
  readonly name: 'strata' | 'glance';
  readonly api: ImageApi;
  fileOf(imageId: string): string;
  pids(): number[];
}

interface SourceData {
  readonly file: string;
  readonly size: number;
  readonly md5: string;
  readonly sha512: string;
}

/** Random bytes (nothing on the way can compress or deduplicate them) in a RAM-backed file. */
function makeSource(dir: string, sizeMiB: number): SourceData {
  const file = path.join(dir, `source-${sizeMiB}MiB.bin`);
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const block = Buffer.alloc(4 * MiB);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    for (let left = sizeMiB * MiB; left > 0; left -= block.length) {
      const chunk = block.subarray(0, Math.min(block.length, left));
      randomFillSync(chunk);
      md5.update(chunk);
      sha512.update(chunk);
      fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, size: sizeMiB * MiB, md5: md5.digest('hex'), sha512: sha512.digest('hex') };
}

function sourceDir(workDir: string, needBytes: number): string {
  // /dev/shm is tmpfs: reading the source costs memory bandwidth only, never the disk under test.
  try {
    if (fs.statfsSync('/dev/shm').bavail * fs.statfsSync('/dev/shm').bsize > needBytes * 1.5) {
      return fs.mkdtempSync('/dev/shm/strata-bench-');
    }
  } catch {
    // no /dev/shm
  }
  return workDir;
}

interface Measured {
  seconds: number;
  residentBytesBefore?: number | undefined;
}

class Recorder {
  readonly samples: TransferSample[] = [];

  /** Runs one transfer, with CPU of this process and the server, then `sync` for writes. */
  async take(
    kind: TransferKind,
    size: number,
    repetition: number,
    serverPids: (() => number[]) | undefined,
    write: boolean,
    run: () => Promise<Measured>,
  ): Promise<void> {
    if (write) await syncAll();
    const load = os.loadavg()[0]!;
    const client0 = process.cpuUsage();
    const server0 = serverPids ? treeCpuSeconds(serverPids()) : undefined;
    const m = await run();
    const server1 = serverPids ? treeCpuSeconds(serverPids()) : undefined;
    const client = process.cpuUsage(client0);
    let durableSeconds = m.seconds;
    if (write) {
      const t = process.hrtime.bigint();
      await syncAll();
      durableSeconds += Number(process.hrtime.bigint() - t) / 1e9;
    }
    const sample: TransferSample = {
      kind,
      sizeBytes: size,
      repetition,
      seconds: m.seconds,
      durableSeconds,
      serverCpuSeconds: server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined,
      clientCpuSeconds: (client.user + client.system) / 1e6,
      loadAverage1m: Math.round(load * 100) / 100,
      residentBytesBefore: m.residentBytesBefore,
    };
    this.samples.push(sample);
    say(
      `${kind} ${size / MiB} MiB #${repetition}: ${(size / MiB / durableSeconds).toFixed(1)} MiB/s` +
        (write ? ` (${(size / MiB / m.seconds).toFixed(1)} MiB/s until the answer)` : '') +
        (m.residentBytesBefore !== undefined ? `, ${m.residentBytesBefore} bytes cached before` : '') +
        `, load ${load.toFixed(2)}`,
    );
  }
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** strata's store write path without HTTP: source -> DigestStream -> file fsynced on close. */
async function storePath(source: string, dest: string): Promise<number> {
  return timeIt(async () => {
    const digest = new DigestStream();
    const handle = await fsp.open(dest, 'wx', 0o600);
    await pipeline(fs.createReadStream(source), digest, fs.createWriteStream(dest, { fd: handle, flush: true }));
  });
}

async function hashOnly(source: string): Promise<number> {
  return timeIt(async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(fs.createReadStream(source), new DigestStream(), sink);
  });
}

async function coldRead(file: string, read: () => Promise<number>): Promise<Measured> {
  await evictFromPageCache(file);
  const residentBytesBefore = await pageCacheResidentBytes(file);
  return { seconds: await read(), residentBytesBefore };
}

async function checkStored(t: ImageTarget, id: string, src: SourceData): Promise<void> {
  const img = await t.api.show(id);
  const problems: string[] = [];
  if (img.status !== 'active') problems.push(`status ${img.status}`);
  if (img.size !== src.size) problems.push(`size ${img.size}`);
  if (img.checksum !== src.md5) problems.push(`checksum ${img.checksum}`);
  if (img.os_hash_algo !== 'sha512' || img.os_hash_value !== src.sha512) problems.push(`os_hash ${img.os_hash_algo}:${img.os_hash_value?.slice(0, 16)}...`);
  if (!fs.existsSync(t.fileOf(id))) problems.push(`no data file at ${t.fileOf(id)}`);
  if (problems.length) throw new Error(`${t.name} image ${id} after upload: ${problems.join(', ')}`);
}

async function checkDownload(t: ImageTarget, id: string, src: SourceData): Promise<void> {
  const md5 = createHash('md5');
  await t.api.download(id, src.size, (c) => md5.update(c));
  const got = md5.digest('hex');
  if (got !== src.md5) throw new Error(`${t.name} download of ${id} has md5 ${got}, the upload had ${src.md5}`);
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}

/** One repetition at one size: every write, then every cold read, in an order that rotates. */
async function repetition(
  rec: Recorder,
  targets: readonly ImageTarget[],
  src: SourceData,
  rep: number,
  scratch: string,
  verify: boolean,
): Promise<void> {
  const size = src.size;
  const rawFile = path.join(scratch, `raw-${rep}.bin`);
  const storeFile = path.join(scratch, `store-path-${rep}.bin`);
  const images = new Map<string, string>();
  try {
    const writes: Array<() => Promise<void>> = [
      () => rec.take('disk-write', size, rep, undefined, true, async () => ({ seconds: (await ddWrite(src.file, rawFile, { sync: true })).seconds })),
      () => rec.take('store-path', size, rep, undefined, true, async () => ({ seconds: await storePath(src.file, storeFile) })),
      ...targets.map((t) => async () => {
        const img = await t.api.create(`bench-${size / MiB}MiB-${rep}`);
        images.set(t.name, img.id);
        await rec.take(`${t.name}-upload`, size, rep, () => t.pids(), true, async () => ({ seconds: (await t.api.upload(img.id, src.file)).seconds }));
        await checkStored(t, img.id, src);
      }),
    ];
    for (const w of rotate(writes, rep)) await w();
    await rec.take('hash-only', size, rep, undefined, false, async () => ({ seconds: await hashOnly(src.file) }));

    const reads: Array<() => Promise<void>> = [
      () => rec.take('disk-read', size, rep, undefined, false, () => coldRead(rawFile, async () => (await ddRead(rawFile, { direct: false })).seconds)),
      () => rec.take('disk-read-direct', size, rep, undefined, false, async () => ({ seconds: (await ddRead(rawFile, { direct: true })).seconds })),
      ...targets.map((t) => () => {
        const id = images.get(t.name)!;
        return rec.take(`${t.name}-download`, size, rep, () => t.pids(), false, () =>
          coldRead(t.fileOf(id), async () => (await t.api.download(id, size)).seconds),
        );
      }),
    ];
    for (const r of rotate(reads, rep)) await r();
    if (verify) for (const t of targets) await checkDownload(t, images.get(t.name)!, src);
  } finally {
    for (const t of targets) {
      const id = images.get(t.name);
      if (id) await t.api.delete(id).catch((err: unknown) => say(`could not delete ${t.name} image ${id}: ${(err as Error).message}`));
    }
    fs.rmSync(rawFile, { force: true });
    fs.rmSync(storeFile, { force: true });
  }
}

async function startGlance(opts: ImageBenchOptions, workDir: string, cleanup: CleanupStack): Promise<{ aio?: RunningAio; skipped?: string }> {
  if (!opts.glance) return { skipped: 'disabled with --no-glance / BENCH_GLANCE=0' };
  if (opts.reuseAio) return { aio: await connectAio(['glance']) };
  const availability = await aioAvailability(opts.aioScripts, ['glance']);
  if (!availability.available) return { skipped: availability.reason };
  say('starting the real Glance (start-aio.sh infra keystone catalog glance; a few minutes)');
  return { aio: await startAio({ scriptDir: opts.aioScripts, services: ['glance'], workDir, cleanup }) };
}

/** Runs the image benchmark with these command-line arguments; resolves to the exit code. */
export async function runImageBench(argv: readonly string[]): Promise<number> {
  let opts: ImageBenchOptions;
  try {
    opts = parseImageOptions(argv, process.env, { aioScripts: path.resolve(repoRoot, '../shared/tools/aio') });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench image-data: ${err.message}\n\n${imageUsage}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(imageUsage);
    return 0;
  }

  const startedAt = new Date();
  const machine = collectMachineFacts(repoRoot);
  const cleanup = new CleanupStack();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-image-'));
  const largest = Math.max(...opts.sizesMiB) * MiB;
  const needed = 4 * largest + 2 * 1024 * MiB;
  if (freeBytes(workDir) < needed) {
    fs.rmSync(workDir, { recursive: true, force: true });
    throw new Error(`${workDir} has ${(freeBytes(workDir) / 2 ** 30).toFixed(1)} GiB free; ${(needed / 2 ** 30).toFixed(1)} GiB needed`);
  }
  const srcDir = sourceDir(workDir, largest);
  const removeDirs = () => {
    fs.rmSync(workDir, { recursive: true, force: true });
    if (srcDir !== workDir) fs.rmSync(srcDir, { recursive: true, force: true });
  };
  cleanup.push({ name: `work dir ${workDir}`, run: async () => removeDirs(), runSync: removeDirs });

  const rec = new Recorder();
  const targetInfo: ImageTargetInfo[] = [];
  const apis: ImageApi[] = [];
  let glanceSkipped: string | undefined;
  try {
    const glance = await startGlance(opts, workDir, cleanup);
    glanceSkipped = glance.skipped;
    if (glanceSkipped) say(`the real Glance will NOT be measured: ${glanceSkipped}`);

    const storeDir = path.join(workDir, 'strata-images');
    const cpuProfileDir = opts.strataCpuProfileDir ? path.resolve(repoRoot, opts.strataCpuProfileDir) : undefined;
    say('starting strata');
    const strata = await startStrata({
      sourceRoot: repoRoot,
      workDir,
      hashRounds: 4,
      cpuProfileDir,
      cleanup,
      env: {
        STRATA_IMAGE__PORT: String(await freePort()),
        STRATA_IMAGE__FILESYSTEM_STORE_DATADIR: storeDir,
        STRATA_PLACEMENT__PORT: String(await freePort()),
        STRATA_BLOCK_STORAGE__PORT: String(await freePort()),
        STRATA_BLOCK_STORAGE__ENABLED_BACKENDS: 'fake',
      },
    });
    const targets: ImageTarget[] = [];
    const sessionClient = new HttpClient(strata.credentials.authUrl, 1);
    const strataSession = await openSession(sessionClient, strata.credentials).finally(() => sessionClient.close());
    const strataApi = new ImageApi(strataSession.endpoint('image'), strataSession.token);
    apis.push(strataApi);
    targets.push({ name: 'strata', api: strataApi, fileOf: (id) => path.join(storeDir, id), pids: () => strata.processIds() });
    targetInfo.push({
      name: 'strata',
      details: {
        version: `${machine.strataVersion} (${machine.strataCommit})`,
        server: '`strata up`: one Node.js process (Fastify); image API on its own port',
        store: `file store in ${storeDir} (each image fsynced before it turns active)`,
        database: 'SQLite (embedded default), fresh data dir',
        ...(cpuProfileDir ? { profiling: 'run under node --cpu-prof (slower)' } : {}),
      },
    });
    if (glance.aio) {
      const aio = glance.aio;
      const client = new HttpClient(aio.credentials.authUrl, 1);
      const session = await openSession(client, aio.credentials).finally(() => client.close());
      const api = new ImageApi(session.endpoint('image'), session.token);
      apis.push(api);
      targets.push({ name: 'glance', api, fileOf: (id) => aio.glanceImageFile(id), pids: () => aio.pidsOf('glance-api') });
      targetInfo.push({
        name: 'glance',
        details: {
          version: `${debianVersion('glance-api') ?? '?'} (Debian package, Zed)`,
          server: 'glance-api (eventlet, 2 workers) from ../shared/tools/aio/start-aio.sh, keystone auth',
          store: 'glance_store filesystem store in /tmp/aio/images (writes without fsync: its durable time includes the `sync` after it)',
          database: 'MariaDB (start-aio.sh)',
        },
      });
    }

    // Warm-up: the first upload and download of each server pay for code loading and JIT.
    const warm = makeSource(srcDir, 16);
    for (const t of targets) {
      const img = await t.api.create('bench-warm-up');
      await t.api.upload(img.id, warm.file);
      await checkStored(t, img.id, warm);
      await checkDownload(t, img.id, warm);
      await t.api.delete(img.id);
    }
    fs.rmSync(warm.file);

    for (const sizeMiB of opts.sizesMiB) {
      say(`${sizeMiB} MiB: making the source data`);
      const src = makeSource(srcDir, sizeMiB);
      try {
        for (let rep = 0; rep < opts.repetitions; rep++) {
          await repetition(rec, targets, src, rep, workDir, rep === 0);
        }
      } finally {
        fs.rmSync(src.file, { force: true });
      }
    }
    await strata.stop();
  } finally {
    for (const a of apis) a.close();
    await cleanup.runAll();
  }

  const result: ImageBenchResult = {
    benchmark: 'image-data',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: { sizesMiB: opts.sizesMiB, repetitions: opts.repetitions },
    machine,
    filesystem: filesystemOf(os.tmpdir()),
    sourceFile: srcDir === workDir ? `${workDir} (page cache)` : `${path.dirname(srcDir)} (tmpfs)`,
    targets: targetInfo,
    samples: rec.samples,
    ...(glanceSkipped ? { glanceSkipped } : {}),
  };
  const goals = imageGoals(result);
  const resultsDir = path.resolve(repoRoot, opts.resultsDir);
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const jsonFile = path.join(resultsDir, `image-data-${stamp}.json`);
  const summaries = opts.sizesMiB.flatMap((s) =>
    (['disk-write', 'disk-read', 'disk-read-direct', 'store-path', 'hash-only', 'strata-upload', 'strata-download', 'glance-upload', 'glance-download'] as const)
      .map((k) => summarize(result.samples, k, s * MiB))
      .filter((x) => x !== undefined),
  );
  fs.writeFileSync(jsonFile, `${JSON.stringify({ ...result, summaries, ratios: ratios(result), goals }, null, 2)}\n`);
  say(`results: ${path.relative(process.cwd(), jsonFile)}`);
  if (opts.markdownFile) {
    const md = path.resolve(repoRoot, opts.markdownFile);
    fs.mkdirSync(path.dirname(md), { recursive: true });
    fs.writeFileSync(md, renderImageMarkdown(result));
    say(`report: ${path.relative(process.cwd(), md)}`);
  }
  const lines = summaries.map(
    (s) => `${String(s.sizeBytes / MiB).padStart(5)} MiB  ${s.kind.padEnd(17)} ${s.mibPerSec.toFixed(1).padStart(8)} MiB/s (median of ${s.samples})`,
  );
  for (const r of ratios(result)) if (r.ratio !== undefined) lines.push(`${String(r.sizeBytes / MiB).padStart(5)} MiB  ratio ${r.label}: ${r.ratio.toFixed(2)}`);
  for (const g of goals) lines.push(`target: ${g.goal}: ${g.measured} -> ${g.met === undefined ? 'not measured' : g.met ? 'met' : 'MISSED'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return opts.enforceTargets && goals.some((g) => g.met === false) ? 1 : 0;
}
