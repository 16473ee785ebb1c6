import { describe, expect, it } from 'vitest';
import type { Measurement, TokenOperation } from '../identity/token-workload.ts';
import {
  checkGoals,
  compare,
  failedMeasurements,
  type BenchResult,
  type TargetResult,
} from './bench-result.ts';
import { renderMarkdown } from './markdown-report.ts';

function measurement(
  operation: TokenOperation,
  throughput: number,
  p50: number,
  p99: number,
  errors = 0,
  cpuMs = p50 / 8,
): Measurement {
  return {
    operation,
    concurrency: 8,
    durationMs: 15000,
    warmupMs: 3000,
    loadAverageBefore: [1.5, 1.25, 1],
    loadAverageAfter: [2, 1.5, 1],
    elapsedMs: 15000,
    ok: 1000,
    errors,
    errorKinds: errors ? { 'HTTP 500': errors } : {},
    errorRate: errors / (1000 + errors),
    throughputPerSec: throughput,
    latencyMs: { count: 1000, mean: p50, p50, p90: p99 * 0.8, p99, max: p99 * 2 },
    serverCpuMsPerOp: cpuMs,
    serverCpuCores: (cpuMs * throughput) / 1000,
    clientCpuCores: 0.5,
  };
}

function result(targets: TargetResult[], keystoneSkipped?: string): BenchResult {
  return {
    benchmark: 'identity-tokens',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:02:00.000Z',
    settings: {
      concurrency: 8,
      durationSec: 15,
      warmupSec: 3,
      tokenPoolSize: 100,
      hashRounds: 4,
      maxErrorRate: 0.01,
    },
    machine: {
      hostname: 'h',
      nproc: 2,
      cpuModel: 'Test CPU',
      memoryGiB: 8,
      kernel: 'Linux 6',
      node: 'v20.20.2',
      strataVersion: '0.1.0',
      strataCommit: 'abc123',
      loadAverageAtStart: [1, 1, 1],
    },
    targets,
    ...(keystoneSkipped ? { keystoneSkipped } : {}),
  };
}

const strata: TargetResult = {
  name: 'strata',
  details: { version: '0.1.0' },
  measurements: {
    issue: measurement('issue', 600, 10, 30),
    validate: measurement('validate', 3000, 2, 4),
  },
};
const keystone: TargetResult = {
  name: 'keystone',
  details: { version: '2:22.0.2' },
  measurements: {
    issue: measurement('issue', 100, 80, 150),
    validate: measurement('validate', 200, 40, 90),
  },
};

describe('compare and checkGoals', () => {
  it('puts strata above 1 when it is faster, for throughput and latency alike', () => {
    expect(compare(result([strata, keystone]), 'validate')).toEqual({
      operation: 'validate',
      throughput: 15,
      p50: 20,
      p99: 22.5,
      cpuPerOp: 20,
    });
  });

  it('checks the three targets of the issue', () => {
    const goals = checkGoals(result([strata, keystone]));
    expect(goals.map((g) => [g.goal, g.measured, g.met])).toEqual([
      ['validate throughput >= 20x Keystone', '15.0x', false],
      ['validate p99 < 5 ms (strata)', '4.00 ms', true],
      ['issue throughput >= 3x Keystone', '6.0x', true],
    ]);
  });

  it('leaves ratio targets undecided without Keystone', () => {
    const goals = checkGoals(result([strata], 'not installed'));
    expect(goals[0]).toEqual({
      goal: 'validate throughput >= 20x Keystone',
      measured: 'Keystone not measured',
      met: undefined,
    });
    expect(goals[1]!.met).toBe(true);
  });
});

describe('failedMeasurements', () => {
  it('names measurements above the allowed error rate only', () => {
    const bad: TargetResult = {
      ...keystone,
      measurements: {
        issue: measurement('issue', 100, 1, 2, 20),
        validate: measurement('validate', 1, 1, 1, 5),
      },
    };
    expect(failedMeasurements(result([strata, bad]))).toEqual([
      'keystone issue: 1.96% errors {"HTTP 500":20}',
    ]);
  });
});

describe('renderMarkdown', () => {
  it('shows both servers side by side with the ratios and the verdicts', () => {
    const md = renderMarkdown(result([strata, keystone]));
    expect(md).toContain('| throughput (req/s) | 3000.0 | 200.0 | 15.0x |');
    expect(md).toContain('| p99 latency (ms) | 4.00 | 90.00 | 22.5x |');
    expect(md).toContain('| server CPU per request (ms) | 0.250 | 5.000 | 20.0x |');
    expect(md).toContain('| validate throughput >= 20x Keystone | 15.0x | **missed** |');
    expect(md).toContain('| issue throughput >= 3x Keystone | 6.0x | met |');
    expect(md).toContain('bcrypt cost 4 on both');
    expect(md).toContain('2 CPUs (nproc)');
    expect(md).toContain(
      '| load average before (1/5/15 min) | 1.50 / 1.25 / 1.00 | 1.50 / 1.25 / 1.00 |  |',
    );
    expect(md).not.toContain('not measured');
  });

  it('says so when Keystone was not measured', () => {
    const md = renderMarkdown(result([strata], 'the Debian keystone package is not installed'));
    expect(md).toContain(
      'The real Keystone was **not measured** in this run: the Debian keystone package is not installed',
    );
    expect(md).toContain('| throughput (req/s) | 3000.0 | — | — |');
  });
});
