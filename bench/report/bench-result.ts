import type { Measurement, TokenOperation } from '../identity/token-workload.ts';
import type { MachineFacts } from './machine-facts.ts';

export type TargetName = 'strata' | 'keystone';

export interface TargetResult {
  readonly name: TargetName;
  /** Version and how it was run, e.g. `{ version: '2:22.0.2-0+deb12u6', server: 'uwsgi 1 process x 1 thread' }`. */
  readonly details: Readonly<Record<string, string>>;
  readonly measurements: Partial<Record<TokenOperation, Measurement>>;
}

export interface BenchSettings {
  readonly concurrency: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly tokenPoolSize: number;
  readonly hashRounds: number;
  readonly maxErrorRate: number;
}

export interface BenchResult {
  readonly benchmark: 'identity-tokens';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly settings: BenchSettings;
  readonly machine: MachineFacts;
  readonly targets: readonly TargetResult[];
  /** Why the real Keystone was not measured, when it was not. */
  readonly keystoneSkipped?: string;
}

/** strata compared with Keystone on one operation: above 1 means strata is better. */
export interface Comparison {
  readonly operation: TokenOperation;
  readonly throughput: number;
  /** Keystone latency / strata latency. */
  readonly p50: number;
  readonly p99: number;
  /** Keystone server CPU per operation / strata's; undefined when either was not read. */
  readonly cpuPerOp: number | undefined;
}

export interface GoalCheck {
  readonly goal: string;
  /** What was measured, in words (`27.3x`, `3.1 ms`), or why it could not be. */
  readonly measured: string;
  /** undefined when it could not be measured (e.g. no Keystone). */
  readonly met: boolean | undefined;
}

export function measurementOf(
  result: BenchResult,
  target: TargetName,
  op: TokenOperation,
): Measurement | undefined {
  return result.targets.find((t) => t.name === target)?.measurements[op];
}

export function compare(result: BenchResult, op: TokenOperation): Comparison | undefined {
  const s = measurementOf(result, 'strata', op);
  const k = measurementOf(result, 'keystone', op);
  if (!s || !k) return undefined;
  return {
    operation: op,
    throughput: s.throughputPerSec / k.throughputPerSec,
    p50: k.latencyMs.p50 / s.latencyMs.p50,
    p99: k.latencyMs.p99 / s.latencyMs.p99,
    cpuPerOp:
      s.serverCpuMsPerOp && k.serverCpuMsPerOp
        ? k.serverCpuMsPerOp / s.serverCpuMsPerOp
        : undefined,
  };
}

/** The targets of the benchmark issue: validate >= 20x Keystone with p99 < 5 ms, issue >= 3x. */
export function checkGoals(result: BenchResult): GoalCheck[] {
  const ratioGoal = (op: TokenOperation, min: number): GoalCheck => {
    const goal = `${op} throughput >= ${min}x Keystone`;
    const c = compare(result, op);
    if (!c)
      return {
        goal,
        measured: result.keystoneSkipped ? 'Keystone not measured' : `${op} not measured`,
        met: undefined,
      };
    return { goal, measured: `${c.throughput.toFixed(1)}x`, met: c.throughput >= min };
  };
  const validate = measurementOf(result, 'strata', 'validate');
  return [
    ratioGoal('validate', 20),
    {
      goal: 'validate p99 < 5 ms (strata)',
      measured: validate ? `${validate.latencyMs.p99.toFixed(2)} ms` : 'validate not measured',
      met: validate ? validate.latencyMs.p99 < 5 : undefined,
    },
    ratioGoal('issue', 3),
  ];
}

/** Measurements whose error rate is above the allowed fraction. */
export function failedMeasurements(result: BenchResult): string[] {
  const out: string[] = [];
  for (const t of result.targets) {
    for (const m of Object.values(t.measurements)) {
      if (m && m.errorRate > result.settings.maxErrorRate) {
        out.push(
          `${t.name} ${m.operation}: ${(m.errorRate * 100).toFixed(2)}% errors ${JSON.stringify(m.errorKinds)}`,
        );
      }
    }
  }
  return out;
}
