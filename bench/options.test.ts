import { describe, expect, it } from 'vitest';
import { parseBenchOptions, UsageError } from './options.ts';

const defaults = { keystoneScript: '/x/start-keystone.sh' };

describe('parseBenchOptions', () => {
  it('defaults to a short, moderate load both servers can take on a busy 2-core box', () => {
    const o = parseBenchOptions([], {}, defaults);
    expect(o).toMatchObject({
      concurrency: 8,
      durationSec: 15,
      warmupSec: 3,
      tokenPoolSize: 100,
      hashRounds: 4,
      operations: ['issue', 'validate'],
      keystone: true,
      keystoneScript: '/x/start-keystone.sh',
      keystoneFeatures: 'vanilla',
      keystoneProcesses: 1,
      strataRef: undefined,
      strataCpuProfileDir: undefined,
      markdownFile: 'docs/benchmarks/identity-tokens.md',
      maxErrorRate: 0.01,
      enforceTargets: false,
    });
  });

  it('takes BENCH_* variables, and flags over them', () => {
    const env = {
      BENCH_CONCURRENCY: '4',
      BENCH_DURATION: '2.5',
      BENCH_KEYSTONE: '0',
      BENCH_OPERATIONS: 'validate',
    };
    const fromEnv = parseBenchOptions([], env, defaults);
    expect(fromEnv).toMatchObject({
      concurrency: 4,
      durationSec: 2.5,
      keystone: false,
      operations: ['validate'],
    });
    const fromFlags = parseBenchOptions(
      ['--concurrency', '16', '--operations', 'issue'],
      env,
      defaults,
    );
    expect(fromFlags).toMatchObject({ concurrency: 16, operations: ['issue'] });
  });

  it('turns Keystone and the Markdown report off on request', () => {
    const o = parseBenchOptions(['--no-keystone', '--no-docs'], {}, defaults);
    expect(o.keystone).toBe(false);
    expect(o.markdownFile).toBeUndefined();
  });

  it('rejects bad numbers, unknown operations and unknown flags', () => {
    expect(() => parseBenchOptions(['--concurrency', '0'], {}, defaults)).toThrow(UsageError);
    expect(() => parseBenchOptions(['--concurrency', '2.5'], {}, defaults)).toThrow(/integer/);
    expect(() => parseBenchOptions(['--hash-rounds', '3'], {}, defaults)).toThrow(/>= 4/);
    expect(() => parseBenchOptions(['--operations', 'issue,revoke'], {}, defaults)).toThrow(
      /revoke/,
    );
    expect(() => parseBenchOptions(['--concurency', '3'], {}, defaults)).toThrow(UsageError);
  });
});
