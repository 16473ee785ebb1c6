import { parseArgs } from 'node:util';
import { UsageError } from '../options.ts';
import { positiveIntegers } from '../image/image-options.ts';

export const volumeTargets = ['strata-file-raw', 'strata-file-qcow2', 'strata-fake', 'cinder-fake'] as const;
export type VolumeTargetName = (typeof volumeTargets)[number];

export interface VolumeBenchOptions {
  readonly volumes: number;
  readonly concurrency: number;
  readonly sizeGiB: number;
  readonly repetitions: number;
  readonly pollMs: number;
  readonly targets: readonly VolumeTargetName[];
  /** Use an all-in-one already running on the fixed ports instead of starting one. */
  readonly reuseAio: boolean;
  readonly aioScripts: string;
  readonly resultsDir: string;
  readonly markdownFile: string | undefined;
  readonly help: boolean;
}

export const volumeUsage = `Usage: npm run bench -- volume-rate [options]

Volume create and delete rate through the Cinder v3 API: N volumes created by C concurrent
clients until all are available, then deleted until none is listed; strata with its file
backend (raw and qcow2) and its fake backend, and the real Cinder with its fake driver when
the shared all-in-one can run here.

  --volumes N              volumes per cycle                       [BENCH_VOLUMES, 50]
  --concurrency C          concurrent clients                      [BENCH_VOLUME_CONCURRENCY, 8]
  --size GIB               size of each volume                     [BENCH_VOLUME_SIZE, 1]
  --repetitions N          cycles per target (median reported)     [BENCH_VOLUME_REPETITIONS, 3]
  --poll-ms MS             pause between two status lists          [BENCH_VOLUME_POLL_MS, 50]
  --targets LIST           ${volumeTargets.join(',')}
                                                                   [BENCH_VOLUME_TARGETS, all]
  --reuse-aio              use an all-in-one already started with  [BENCH_REUSE_AIO=1]
                           start-aio.sh (left running)
  --aio-scripts DIR        the all-in-one scripts                  [BENCH_AIO_SCRIPTS, ../shared/tools/aio]
  --results-dir DIR        JSON results                            [BENCH_RESULTS_DIR, bench/results]
  --markdown PATH          Markdown report                         [BENCH_VOLUME_MARKDOWN,
                                                                   docs/benchmarks/volume-rate.md]
  --no-docs                do not write the Markdown report
  --help
`;

const flags = {
  volumes: { type: 'string' },
  concurrency: { type: 'string' },
  size: { type: 'string' },
  repetitions: { type: 'string' },
  'poll-ms': { type: 'string' },
  targets: { type: 'string' },
  'reuse-aio': { type: 'boolean' },
  'aio-scripts': { type: 'string' },
  'results-dir': { type: 'string' },
  markdown: { type: 'string' },
  'no-docs': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const truthy = new Set(['1', 'true', 'yes', 'on']);

function one(name: string, raw: string): number {
  const v = positiveIntegers(name, raw);
  if (v.length !== 1) throw new UsageError(`${name} takes one number`);
  return v[0]!;
}

function targets(raw: string | undefined): VolumeTargetName[] {
  if (!raw) return [...volumeTargets];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(volumeTargets as readonly string[]).includes(n)) throw new UsageError(`unknown target "${n}" (${volumeTargets.join(', ')})`);
  }
  if (!names.length) throw new UsageError('--targets is empty');
  return [...new Set(names)] as VolumeTargetName[];
}

export function parseVolumeOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaults: { aioScripts: string },
): VolumeBenchOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const pick = (flag: string | undefined, envName: string) => flag ?? env[envName];
  return {
    volumes: one('volumes', pick(v.volumes, 'BENCH_VOLUMES') ?? '50'),
    concurrency: one('concurrency', pick(v.concurrency, 'BENCH_VOLUME_CONCURRENCY') ?? '8'),
    sizeGiB: one('size', pick(v.size, 'BENCH_VOLUME_SIZE') ?? '1'),
    repetitions: one('repetitions', pick(v.repetitions, 'BENCH_VOLUME_REPETITIONS') ?? '3'),
    pollMs: one('poll-ms', pick(v['poll-ms'], 'BENCH_VOLUME_POLL_MS') ?? '50'),
    targets: targets(pick(v.targets, 'BENCH_VOLUME_TARGETS')),
    reuseAio: v['reuse-aio'] ?? truthy.has((env.BENCH_REUSE_AIO ?? '').toLowerCase()),
    aioScripts: pick(v['aio-scripts'], 'BENCH_AIO_SCRIPTS') ?? defaults.aioScripts,
    resultsDir: pick(v['results-dir'], 'BENCH_RESULTS_DIR') ?? 'bench/results',
    markdownFile: v['no-docs'] ? undefined : (pick(v.markdown, 'BENCH_VOLUME_MARKDOWN') ?? 'docs/benchmarks/volume-rate.md'),
    help: v.help ?? false,
  };
}
