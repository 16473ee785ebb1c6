import { parseArgs } from 'node:util';
import { UsageError } from '../options.ts';

export interface ImageBenchOptions {
  /** Image sizes in MiB, each measured `repetitions` times. */
  readonly sizesMiB: readonly number[];
  readonly repetitions: number;
  /** Measure the real Glance too (started with the shared all-in-one scripts when possible). */
  readonly glance: boolean;
  /** Use an all-in-one already running on the fixed ports instead of starting one. */
  readonly reuseAio: boolean;
  readonly aioScripts: string;
  readonly strataCpuProfileDir: string | undefined;
  readonly resultsDir: string;
  readonly markdownFile: string | undefined;
  readonly enforceTargets: boolean;
  readonly help: boolean;
}

export const imageUsage = `Usage: npm run bench -- image-data [options]

Image upload (PUT /v2/images/{id}/file) and download (GET .../file) throughput of strata and,
when it can be started here, the real Glance, against the raw speed of the same disk measured
in the same run with dd.

  --sizes LIST             image sizes in MiB                      [BENCH_IMAGE_SIZES, 256,1024]
  --repetitions N          runs of each size (median reported)     [BENCH_IMAGE_REPETITIONS, 3]
  --no-glance              measure strata and the disk only        [BENCH_GLANCE=0]
  --reuse-aio              use an all-in-one already started with  [BENCH_REUSE_AIO=1]
                           start-aio.sh (left running)
  --aio-scripts DIR        the all-in-one scripts                  [BENCH_AIO_SCRIPTS, ../shared/tools/aio]
  --strata-cpu-prof DIR    run strata under node --cpu-prof        [BENCH_STRATA_CPU_PROF]
  --results-dir DIR        JSON results                            [BENCH_RESULTS_DIR, bench/results]
  --markdown PATH          Markdown report                         [BENCH_IMAGE_MARKDOWN,
                                                                   docs/benchmarks/image-data.md]
  --no-docs                do not write the Markdown report
  --enforce-targets        exit 1 when strata is below 80% of the disk
  --help
`;

const flags = {
  sizes: { type: 'string' },
  repetitions: { type: 'string' },
  'no-glance': { type: 'boolean' },
  'reuse-aio': { type: 'boolean' },
  'aio-scripts': { type: 'string' },
  'strata-cpu-prof': { type: 'string' },
  'results-dir': { type: 'string' },
  markdown: { type: 'string' },
  'no-docs': { type: 'boolean' },
  'enforce-targets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const falsy = new Set(['0', 'false', 'no', 'off']);
const truthy = new Set(['1', 'true', 'yes', 'on']);

export function positiveIntegers(name: string, raw: string): number[] {
  const values = raw.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!values.length || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new UsageError(`${name} must be a comma-separated list of positive integers (got "${raw}")`);
  }
  return [...new Set(values)];
}

export function parseImageOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaults: { aioScripts: string },
): ImageBenchOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const pick = (flag: string | undefined, envName: string) => flag ?? env[envName];
  const reps = positiveIntegers('repetitions', pick(v.repetitions, 'BENCH_IMAGE_REPETITIONS') ?? '3');
  if (reps.length !== 1) throw new UsageError('repetitions takes one number');
  return {
    sizesMiB: positiveIntegers('sizes', pick(v.sizes, 'BENCH_IMAGE_SIZES') ?? '256,1024'),
    repetitions: reps[0]!,
    glance: !v['no-glance'] && !falsy.has((env.BENCH_GLANCE ?? '').toLowerCase()),
    reuseAio: v['reuse-aio'] ?? truthy.has((env.BENCH_REUSE_AIO ?? '').toLowerCase()),
    aioScripts: pick(v['aio-scripts'], 'BENCH_AIO_SCRIPTS') ?? defaults.aioScripts,
    strataCpuProfileDir: pick(v['strata-cpu-prof'], 'BENCH_STRATA_CPU_PROF') || undefined,
    resultsDir: pick(v['results-dir'], 'BENCH_RESULTS_DIR') ?? 'bench/results',
    markdownFile: v['no-docs'] ? undefined : (pick(v.markdown, 'BENCH_IMAGE_MARKDOWN') ?? 'docs/benchmarks/image-data.md'),
    enforceTargets: v['enforce-targets'] ?? false,
    help: v.help ?? false,
  };
}
