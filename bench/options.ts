import { parseArgs } from 'node:util';
import type { TokenOperation } from './identity/token-workload.ts';

export interface BenchOptions {
  readonly concurrency: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly tokenPoolSize: number;
  readonly hashRounds: number;
  readonly operations: readonly TokenOperation[];
  readonly keystone: boolean;
  readonly keystoneScript: string;
  readonly keystoneFeatures: string;
  readonly keystoneProcesses: number;
  readonly keystoneThreads: number;
  readonly strataCpuProfileDir: string | undefined;
  /** Run strata from this git ref (extracted to a temp dir) instead of the working tree. */
  readonly strataRef: string | undefined;
  readonly resultsDir: string;
  /** Markdown report path, or undefined to leave docs/ untouched. */
  readonly markdownFile: string | undefined;
  /** A measurement whose error rate exceeds this fails the run. */
  readonly maxErrorRate: number;
  /** Exit non-zero when a target of the issue is missed (not only on errors). */
  readonly enforceTargets: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {}

export const usage = `Usage: npm run bench -- [identity-tokens] [options]   (or node --import tsx bench/run.ts identity-tokens [options])

Token issue and token validate load against strata and, when installed, the real Keystone.

  --concurrency N          concurrent clients                      [BENCH_CONCURRENCY, 8]
  --duration S             measured seconds per operation          [BENCH_DURATION, 15]
  --warmup S               unmeasured seconds before each          [BENCH_WARMUP, 3]
  --token-pool N           distinct subject tokens for validate    [BENCH_TOKEN_POOL, 100]
  --hash-rounds N          bcrypt cost on both servers             [BENCH_HASH_ROUNDS, 4]
  --operations LIST        issue,validate                          [BENCH_OPERATIONS]
  --no-keystone            measure strata only                     [BENCH_KEYSTONE=0]
  --keystone-script PATH   start-keystone.sh                       [BENCH_KEYSTONE_SCRIPT,
                           ../shared/tools/conformance/start-keystone.sh]
  --keystone-features F    vanilla|full (start-keystone.sh)        [BENCH_KEYSTONE_FEATURES, vanilla]
  --keystone-processes N   uwsgi worker processes                  [BENCH_KEYSTONE_PROCESSES, 1]
  --keystone-threads N     uwsgi threads per worker                [BENCH_KEYSTONE_THREADS, 1]
  --strata-cpu-prof DIR    run strata under node --cpu-prof        [BENCH_STRATA_CPU_PROF]
  --strata-ref REF         run strata from a git ref (e.g. HEAD),  [BENCH_STRATA_REF,
                           not from the working tree               working tree]
  --results-dir DIR        JSON results                            [BENCH_RESULTS_DIR, bench/results]
  --markdown PATH          Markdown report                         [BENCH_MARKDOWN,
                           docs/benchmarks/identity-tokens.md]
  --no-docs                do not write the Markdown report
  --max-error-rate R       fail above this error fraction          [BENCH_MAX_ERROR_RATE, 0.01]
  --enforce-targets        exit 1 when a target is missed too
  --help
`;

const flags = {
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'token-pool': { type: 'string' },
  'hash-rounds': { type: 'string' },
  operations: { type: 'string' },
  'no-keystone': { type: 'boolean' },
  'keystone-script': { type: 'string' },
  'keystone-features': { type: 'string' },
  'keystone-processes': { type: 'string' },
  'keystone-threads': { type: 'string' },
  'strata-cpu-prof': { type: 'string' },
  'strata-ref': { type: 'string' },
  'results-dir': { type: 'string' },
  markdown: { type: 'string' },
  'no-docs': { type: 'boolean' },
  'max-error-rate': { type: 'string' },
  'enforce-targets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function number(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  integer: boolean,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${name} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got "${raw}")`,
    );
  }
  return n;
}

function operations(raw: string | undefined): TokenOperation[] {
  if (!raw) return ['issue', 'validate'];
  const ops = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const op of ops)
    if (op !== 'issue' && op !== 'validate')
      throw new UsageError(`unknown operation "${op}" (issue, validate)`);
  if (!ops.length) throw new UsageError('--operations is empty');
  return [...new Set(ops)] as TokenOperation[];
}

const falsy = new Set(['0', 'false', 'no', 'off']);

/** Flags win over BENCH_* variables, which win over the defaults (sized for a busy 2-core box). */
export function parseBenchOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaults: { keystoneScript: string },
): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const pick = (flag: string | undefined, envName: string) => flag ?? env[envName];
  const markdown = pick(v.markdown, 'BENCH_MARKDOWN') ?? 'docs/benchmarks/identity-tokens.md';
  return {
    concurrency: number('concurrency', pick(v.concurrency, 'BENCH_CONCURRENCY'), 8, 1, true),
    durationSec: number('duration', pick(v.duration, 'BENCH_DURATION'), 15, 0.1, false),
    warmupSec: number('warmup', pick(v.warmup, 'BENCH_WARMUP'), 3, 0, false),
    tokenPoolSize: number('token-pool', pick(v['token-pool'], 'BENCH_TOKEN_POOL'), 100, 1, true),
    hashRounds: number('hash-rounds', pick(v['hash-rounds'], 'BENCH_HASH_ROUNDS'), 4, 4, true),
    operations: operations(pick(v.operations, 'BENCH_OPERATIONS')),
    keystone: !v['no-keystone'] && !falsy.has((env.BENCH_KEYSTONE ?? '').toLowerCase()),
    keystoneScript: pick(v['keystone-script'], 'BENCH_KEYSTONE_SCRIPT') ?? defaults.keystoneScript,
    keystoneFeatures: pick(v['keystone-features'], 'BENCH_KEYSTONE_FEATURES') ?? 'vanilla',
    keystoneProcesses: number(
      'keystone-processes',
      pick(v['keystone-processes'], 'BENCH_KEYSTONE_PROCESSES'),
      1,
      1,
      true,
    ),
    keystoneThreads: number(
      'keystone-threads',
      pick(v['keystone-threads'], 'BENCH_KEYSTONE_THREADS'),
      1,
      1,
      true,
    ),
    strataCpuProfileDir: pick(v['strata-cpu-prof'], 'BENCH_STRATA_CPU_PROF') || undefined,
    strataRef: pick(v['strata-ref'], 'BENCH_STRATA_REF') || undefined,
    resultsDir: pick(v['results-dir'], 'BENCH_RESULTS_DIR') ?? 'bench/results',
    markdownFile: v['no-docs'] ? undefined : markdown,
    maxErrorRate: number(
      'max-error-rate',
      pick(v['max-error-rate'], 'BENCH_MAX_ERROR_RATE'),
      0.01,
      0,
      false,
    ),
    enforceTargets: v['enforce-targets'] ?? false,
    help: v.help ?? false,
  };
}
