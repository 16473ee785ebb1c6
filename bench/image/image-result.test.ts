import { describe, expect, it } from 'vitest';
import { imageGoals, median, ratios, summarize, type TransferKind, type TransferSample } from './image-result.ts';
import { renderImageMarkdown } from './image-report.ts';
import type { ImageBenchResult } from './image-result.ts';

const MiB = 1024 * 1024;

function sample(kind: TransferKind, mibPerSec: number, repetition = 0, sizeMiB = 256): TransferSample {
  const seconds = sizeMiB / mibPerSec;
  return {
    kind,
    sizeBytes: sizeMiB * MiB,
    repetition,
    seconds,
    durableSeconds: seconds,
    serverCpuSeconds: kind.startsWith('strata') ? 0.5 : undefined,
    clientCpuSeconds: 0.1,
    loadAverage1m: 3,
  };
}

describe('image results', () => {
  it('takes the median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarizes the durable throughput per kind and size, with CPU per GiB', () => {
    const samples = [sample('strata-upload', 100, 0), sample('strata-upload', 300, 1), sample('strata-upload', 200, 2)];
    const s = summarize(samples, 'strata-upload', 256 * MiB)!;
    expect(s.mibPerSec).toBeCloseTo(200, 6);
    expect([s.minMibPerSec, s.maxMibPerSec].map(Math.round)).toEqual([100, 300]);
    expect(s.serverCpuSecPerGiB).toBeCloseTo(2, 6); // 0.5 s for a quarter GiB
    expect(summarize(samples, 'strata-upload', 1024 * MiB)).toBeUndefined();
  });

  it('uses the time until the data is durable, not until the answer', () => {
    const s: TransferSample = { ...sample('glance-upload', 100), durableSeconds: 256 / 50 };
    expect(summarize([s], 'glance-upload', 256 * MiB)!.mibPerSec).toBeCloseTo(50, 6);
    expect(summarize([s], 'glance-upload', 256 * MiB)!.answerMibPerSec).toBeCloseTo(100, 6);
  });

  it('checks the 80% target for upload and download at every size', () => {
    const samples = [
      sample('disk-write', 200),
      sample('strata-upload', 170),
      sample('disk-read', 500),
      sample('strata-download', 300),
    ];
    const goals = imageGoals({ samples });
    expect(goals.map((g) => [g.measured, g.met])).toEqual([
      ['0.85', true],
      ['0.60', false],
    ]);
    const r = ratios({ samples }).find((x) => x.of === 'glance-upload' && x.against === 'disk-write');
    expect(r?.ratio).toBeUndefined();
  });

  it('renders every measured row, the ratios, the targets and why Glance is missing', () => {
    const result: ImageBenchResult = {
      benchmark: 'image-data',
      startedAt: '2026-11-25T08:00:00.000Z',
      finishedAt: '2026-11-25T08:10:00.000Z',
      settings: { sizesMiB: [256], repetitions: 1 },
      machine: {
        hostname: 'h',
        nproc: 2,
        cpuModel: 'cpu',
        memoryGiB: 23.5,
        kernel: 'Linux 6',
        node: 'v20',
        strataVersion: '0.1.0',
        strataCommit: 'abc',
        loadAverageAtStart: [1, 2, 3],
      },
      filesystem: '/dev/vda ext4',
      sourceFile: '/dev/shm (tmpfs)',
      targets: [{ name: 'strata', details: { version: '0.1.0' } }],
      samples: [sample('disk-write', 200), sample('strata-upload', 100), sample('hash-only', 150), sample('store-path', 120)],
      glanceSkipped: 'the Debian package glance-api is not installed',
    };
    const md = renderImageMarkdown(result);
    expect(md).toContain('| **strata upload** (`PUT /v2/images/{id}/file`) | 100.0 |');
    expect(md).toContain('| strata upload / raw disk write | 0.50 |');
    expect(md).toContain('**missed**');
    expect(md).toContain('not measured: the Debian package glance-api is not installed');
    expect(md).toContain('hashing is slower than the disk');
    expect(md).not.toContain('Glance upload (`PUT');
  });
});
