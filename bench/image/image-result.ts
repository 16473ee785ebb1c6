import type { MachineFacts } from '../report/machine-facts.ts';

/**
 * What one image benchmark run measured. Every sample moves `sizeBytes` once:
 * - disk-write: `dd bs=1M conv=fdatasync` from the source file to the disk under test;
 * - disk-read: `dd bs=1M` of that file after evicting it from the page cache (cold, buffered);
 * - disk-read-direct: the same with O_DIRECT (the device alone, no readahead);
 * - store-path: strata's store write path without HTTP, in this process: source -> the image
 *   service's DigestStream (md5 + sha512) -> file written with fsync;
 * - hash-only: the DigestStream over the source alone (what hashing costs);
 * - <target>-upload: `PUT /v2/images/{id}/file` streamed from the source file;
 * - <target>-download: `GET /v2/images/{id}/file` with the image's file evicted (cold).
 */
export const transferKinds = [
  'disk-write',
  'disk-read',
  'disk-read-direct',
  'store-path',
  'hash-only',
  'strata-upload',
  'strata-download',
  'glance-upload',
  'glance-download',
] as const;
export type TransferKind = (typeof transferKinds)[number];

export interface TransferSample {
  readonly kind: TransferKind;
  readonly sizeBytes: number;
  readonly repetition: number;
  /** Until dd exited or the HTTP answer was read. */
  readonly seconds: number;
  /** `seconds` plus a `sync` right after: until the data is on the disk (reads: = seconds). */
  readonly durableSeconds: number;
  /** CPU of the server processes during the transfer, when there is a server. */
  readonly serverCpuSeconds?: number | undefined;
  /** CPU of this process (the client; for store-path and hash-only, the work itself). */
  readonly clientCpuSeconds: number;
  readonly loadAverage1m: number;
  /** Reads: bytes of the file in the page cache right before (0 = read from the disk). */
  readonly residentBytesBefore?: number | undefined;
}

export interface KindSummary {
  readonly kind: TransferKind;
  readonly sizeBytes: number;
  readonly samples: number;
  /** Median of the durable throughput in MiB/s (what ratios use), and its range. */
  readonly mibPerSec: number;
  readonly minMibPerSec: number;
  readonly maxMibPerSec: number;
  /** Median throughput until the answer (before the trailing sync), MiB/s. */
  readonly answerMibPerSec: number;
  /** Median server CPU seconds per GiB moved, when measured. */
  readonly serverCpuSecPerGiB?: number | undefined;
  readonly clientCpuSecPerGiB: number;
}

export interface ImageTargetInfo {
  readonly name: 'strata' | 'glance';
  readonly details: Readonly<Record<string, string>>;
}

export interface ImageBenchResult {
  readonly benchmark: 'image-data';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly settings: { readonly sizesMiB: readonly number[]; readonly repetitions: number };
  readonly machine: MachineFacts;
  /** The device and filesystem every file of the run lives on (findmnt). */
  readonly filesystem: string;
  /** Where the source data was read from (a tmpfs, so reading it costs no disk time). */
  readonly sourceFile: string;
  readonly targets: readonly ImageTargetInfo[];
  readonly samples: readonly TransferSample[];
  /** Why the real Glance was not measured, when it was not. */
  readonly glanceSkipped?: string | undefined;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(samples: readonly TransferSample[], kind: TransferKind, sizeBytes: number): KindSummary | undefined {
  const mine = samples.filter((s) => s.kind === kind && s.sizeBytes === sizeBytes);
  if (!mine.length) return undefined;
  const rates = mine.map((s) => sizeBytes / MiB / s.durableSeconds);
  const server = mine.map((s) => s.serverCpuSeconds).filter((v): v is number => v !== undefined);
  return {
    kind,
    sizeBytes,
    samples: mine.length,
    mibPerSec: median(rates),
    minMibPerSec: Math.min(...rates),
    maxMibPerSec: Math.max(...rates),
    answerMibPerSec: median(mine.map((s) => sizeBytes / MiB / s.seconds)),
    serverCpuSecPerGiB: server.length ? median(server) / (sizeBytes / GiB) : undefined,
    clientCpuSecPerGiB: median(mine.map((s) => s.clientCpuSeconds)) / (sizeBytes / GiB),
  };
}

export interface RatioLine {
  readonly sizeBytes: number;
  readonly label: string;
  readonly of: TransferKind;
  readonly against: TransferKind;
  /** Median throughput of `of` / median of `against`; undefined when either is missing. */
  readonly ratio: number | undefined;
}

const ratioPairs: ReadonlyArray<[string, TransferKind, TransferKind]> = [
  ['strata upload / raw disk write', 'strata-upload', 'disk-write'],
  ['strata download / raw disk read (cold)', 'strata-download', 'disk-read'],
  ['Glance upload / raw disk write', 'glance-upload', 'disk-write'],
  ['Glance download / raw disk read (cold)', 'glance-download', 'disk-read'],
  ['strata upload / Glance upload', 'strata-upload', 'glance-upload'],
  ['strata download / Glance download', 'strata-download', 'glance-download'],
  ['store path without HTTP / raw disk write', 'store-path', 'disk-write'],
];

export function sizesOf(result: Pick<ImageBenchResult, 'samples'>): number[] {
  return [...new Set(result.samples.map((s) => s.sizeBytes))].sort((a, b) => a - b);
}

export function ratios(result: Pick<ImageBenchResult, 'samples'>): RatioLine[] {
  const out: RatioLine[] = [];
  for (const size of sizesOf(result)) {
    for (const [label, of, against] of ratioPairs) {
      const a = summarize(result.samples, of, size);
      const b = summarize(result.samples, against, size);
      out.push({ sizeBytes: size, label, of, against, ratio: a && b ? a.mibPerSec / b.mibPerSec : undefined });
    }
  }
  return out;
}

export interface ImageGoal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** Issue 3's target: upload and download each at least 80% of the raw disk, at every size. */
export function imageGoals(result: Pick<ImageBenchResult, 'samples'>): ImageGoal[] {
  const goals: ImageGoal[] = [];
  for (const line of ratios(result)) {
    if (line.of !== 'strata-upload' && line.of !== 'strata-download') continue;
    if (line.against !== 'disk-write' && line.against !== 'disk-read') continue;
    goals.push({
      goal: `${line.label} >= 0.80 at ${line.sizeBytes / MiB} MiB`,
      measured: line.ratio === undefined ? 'not measured' : line.ratio.toFixed(2),
      met: line.ratio === undefined ? undefined : line.ratio >= 0.8,
    });
  }
  return goals;
}
