import os from 'node:os';
import { summarizeLatencies, type LatencySummary } from '../lib/latency-stats.ts';
import type { VolumeStatus } from './volume-api.ts';

/** What the cycle needs from a Cinder API (VolumeApi, or a fake in tests). */
export interface VolumePort {
  create(name: string, sizeGiB: number): Promise<string>;
  delete(id: string): Promise<void>;
  list(): Promise<VolumeStatus[]>;
}

export interface CycleSettings {
  readonly volumes: number;
  readonly concurrency: number;
  readonly sizeGiB: number;
  /** Pause between two list calls of the watcher (one list in flight at a time). */
  readonly pollMs: number;
  /** Give up when the volumes are not all available / gone after this long. */
  readonly timeoutMs: number;
  readonly namePrefix: string;
}

export interface PhaseResult {
  /** From the first request until the watcher saw the last volume reach the end state. */
  readonly seconds: number;
  /** Volumes per second over `seconds`. */
  readonly perSecond: number;
  /** Latency of the API call itself (POST or DELETE), ms. */
  readonly requestLatencyMs: LatencySummary;
  /** When the last API call of the phase was answered, s from the phase start. */
  readonly requestsDoneSeconds: number;
  /** List calls the watcher made. */
  readonly polls: number;
}

export interface CycleResult {
  readonly create: PhaseResult;
  readonly delete: PhaseResult;
  readonly loadAverageBefore: number;
}

export class CycleFailed extends Error {}

/** Runs `work(i)` for i in [0, n) with at most `concurrency` at a time. */
async function inParallel(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      await work(i);
    }
  });
  await Promise.all(workers);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Watches the project's volumes until `done(statuses of ours)` holds; fails on an error status.
 * Lists rather than showing each volume, so watching costs one request at a time however
 * many volumes are in flight.
 */
async function watch(
  api: VolumePort,
  ours: () => ReadonlySet<string>,
  complete: () => boolean,
  done: (mine: VolumeStatus[], ourIds: ReadonlySet<string>) => boolean,
  settings: CycleSettings,
  phase: string,
  abandoned: () => boolean,
): Promise<number> {
  const deadline = Date.now() + settings.timeoutMs;
  let polls = 0;
  for (;;) {
    if (abandoned()) return polls;
    const ids = ours();
    const mine = (await api.list()).filter((v) => ids.has(v.id));
    polls++;
    const failed = mine.filter((v) => v.status.startsWith('error'));
    if (failed.length) throw new CycleFailed(`${phase}: ${failed.length} volumes went to ${failed[0]!.status} (e.g. ${failed[0]!.id})`);
    if (complete() && done(mine, ids)) return polls;
    if (Date.now() > deadline) {
      const counts: Record<string, number> = {};
      for (const v of mine) counts[v.status] = (counts[v.status] ?? 0) + 1;
      throw new CycleFailed(`${phase}: not done after ${settings.timeoutMs / 1000} s (${JSON.stringify(counts)})`);
    }
    await sleep(settings.pollMs);
  }
}

async function phase(
  api: VolumePort,
  settings: CycleSettings,
  name: string,
  request: (i: number) => Promise<void>,
  ours: () => ReadonlySet<string>,
  done: (mine: VolumeStatus[], ourIds: ReadonlySet<string>) => boolean,
): Promise<PhaseResult> {
  const latencies = new Float64Array(settings.volumes);
  const start = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - start) / 1e9;
  let requestsDone = false;
  let requestsDoneSeconds = 0;
  let requestFailed = false;
  const requests = inParallel(settings.volumes, settings.concurrency, async (i) => {
    const t = process.hrtime.bigint();
    await request(i);
    latencies[i] = Number(process.hrtime.bigint() - t) / 1e6;
  }).then(
    () => {
      requestsDone = true;
      requestsDoneSeconds = since();
    },
    (err: unknown) => {
      requestFailed = true;
      throw err;
    },
  );
  // The watcher starts with the first request and only finishes once every request was answered.
  const watcher = watch(api, ours, () => requestsDone, done, settings, name, () => requestFailed);
  let polls: number;
  try {
    [polls] = await Promise.all([watcher, requests]);
  } catch (err) {
    // Let the requests still in flight land, so the caller's cleanup sees every volume made.
    await Promise.allSettled([watcher, requests]);
    throw err;
  }
  const seconds = since();
  return {
    seconds,
    perSecond: settings.volumes / seconds,
    requestLatencyMs: summarizeLatencies(latencies),
    requestsDoneSeconds,
    polls,
  };
}

/**
 * Creates `volumes` volumes with `concurrency` clients until all are `available`, then deletes
 * them the same way until none is listed; `checks` run untimed between and after the phases.
 * Volumes left by a failed cycle are deleted best-effort.
 */
export async function runCycle(
  api: VolumePort,
  settings: CycleSettings,
  checks: { afterCreate?: (ids: readonly string[]) => Promise<void>; afterDelete?: () => Promise<void> } = {},
): Promise<CycleResult> {
  const ids = new Set<string>();
  const loadAverageBefore = Math.round(os.loadavg()[0]! * 100) / 100;
  try {
    const create = await phase(
      api,
      settings,
      'create',
      async (i) => {
        ids.add(await api.create(`${settings.namePrefix}-${i}`, settings.sizeGiB));
      },
      () => ids,
      (mine, ourIds) => mine.length === ourIds.size && mine.every((v) => v.status === 'available'),
    );
    const order = [...ids];
    await checks.afterCreate?.(order);
    const del = await phase(
      api,
      settings,
      'delete',
      async (i) => {
        await api.delete(order[i]!);
      },
      () => ids,
      (mine) => mine.length === 0,
    );
    ids.clear();
    await checks.afterDelete?.();
    return { create, delete: del, loadAverageBefore };
  } finally {
    if (ids.size) {
      const left = await api.list().catch(() => [] as VolumeStatus[]);
      await Promise.all(left.filter((v) => ids.has(v.id)).map((v) => api.delete(v.id).catch(() => undefined)));
    }
  }
}
