import { describe, expect, it } from 'vitest';
import type { CycleResult } from './volume-cycle.ts';
import { renderVolumeMarkdown, summarizeTarget, type VolumeBenchResult } from './volume-report.ts';

function cycle(createSeconds: number, deleteSeconds: number, volumes = 10): CycleResult {
  const phase = (seconds: number) => ({
    seconds,
    perSecond: volumes / seconds,
    requestLatencyMs: { count: volumes, mean: 5, p50: 4, p90: 8, p99: 9, max: 10 },
    requestsDoneSeconds: seconds / 2,
    polls: 3,
  });
  return { create: phase(createSeconds), delete: phase(deleteSeconds), loadAverageBefore: 2 };
}

const machine = {
  hostname: 'h',
  nproc: 2,
  cpuModel: 'cpu',
  memoryGiB: 23.5,
  kernel: 'Linux 6',
  node: 'v20',
  strataVersion: '0.1.0',
  strataCommit: 'abc',
  loadAverageAtStart: [1, 2, 3],
};

describe('volume-rate report', () => {
  it('takes medians over cycles and rates the whole cycle on the summed time', () => {
    const s = summarizeTarget({ name: 'strata-fake', details: {}, cycles: [cycle(1, 1), cycle(2, 1), cycle(0.5, 1)] }, 10)!;
    expect(s.createPerSec).toBe(10);
    expect(s.deletePerSec).toBe(10);
    expect(s.cyclePerSec).toBe(5);
    expect(s.createRange).toEqual([5, 20]);
  });

  it('compares strata with Cinder like with like and says what was not measured', () => {
    const result: VolumeBenchResult = {
      benchmark: 'volume-rate',
      startedAt: 'a',
      finishedAt: 'b',
      settings: { volumes: 10, concurrency: 8, sizeGiB: 1, repetitions: 1, pollMs: 50 },
      machine,
      targets: [
        { name: 'strata-fake', details: { backend: 'fake' }, cycles: [cycle(1, 0.5)] },
        { name: 'cinder-fake', details: { backend: 'fake driver' }, cycles: [cycle(4, 2)] },
      ],
      skipped: { 'strata-file-raw': 'not asked for' },
    };
    const md = renderVolumeMarkdown(result);
    expect(md).toContain('| strata fake / Cinder fake | 4.00 | 4.00 | 4.00 |');
    expect(md).toContain('| strata, file backend, raw | not measured: not asked for |');
    expect(md).not.toContain('strata file qcow2 / Cinder fake');
  });
});
