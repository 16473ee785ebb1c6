import { describe, expect, it } from 'vitest';
import type { VolumeStatus } from './volume-api.ts';
import { CycleFailed, runCycle, type CycleSettings, type VolumePort } from './volume-cycle.ts';

/** A Cinder in memory: a volume becomes available (or gone) after `lag` list calls. */
class FakeCinder implements VolumePort {
  readonly volumes = new Map<string, { status: string; left: number }>();
  maxInFlight = 0;
  #inFlight = 0;
  #next = 0;
  constructor(
    private readonly lag: number,
    private readonly failOn?: number,
  ) {}

  async #busy<T>(fn: () => T): Promise<T> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.#inFlight--;
    return fn();
  }

  create(): Promise<string> {
    return this.#busy(() => {
      const n = this.#next++;
      const id = `vol-${n}`;
      this.volumes.set(id, { status: n === this.failOn ? 'error' : 'creating', left: this.lag });
      return id;
    });
  }

  delete(id: string): Promise<void> {
    return this.#busy(() => {
      const v = this.volumes.get(id);
      if (!v) throw new Error(`no volume ${id}`);
      v.status = 'deleting';
      v.left = this.lag;
    });
  }

  async list(): Promise<VolumeStatus[]> {
    const out: VolumeStatus[] = [];
    for (const [id, v] of this.volumes) {
      if (v.left > 0) v.left--;
      else if (v.status === 'creating') v.status = 'available';
      else if (v.status === 'deleting') {
        this.volumes.delete(id);
        continue;
      }
      out.push({ id, status: v.status });
    }
    return out;
  }
}

const settings: CycleSettings = {
  volumes: 20,
  concurrency: 4,
  sizeGiB: 1,
  pollMs: 1,
  timeoutMs: 10_000,
  namePrefix: 'bench',
};

describe('runCycle', () => {
  it('creates every volume until available, deletes them until gone, with bounded concurrency', async () => {
    const cinder = new FakeCinder(3);
    const r = await runCycle(cinder, settings);
    expect(cinder.volumes.size).toBe(0);
    expect(cinder.maxInFlight).toBeLessThanOrEqual(4);
    expect(r.create.requestLatencyMs.count).toBe(20);
    expect(r.create.perSecond).toBeCloseTo(20 / r.create.seconds, 6);
    expect(r.create.requestsDoneSeconds).toBeLessThanOrEqual(r.create.seconds);
    expect(r.delete.polls).toBeGreaterThan(1);
  });

  it('fails on a volume in error and deletes what it made', async () => {
    const cinder = new FakeCinder(1, 7);
    await expect(runCycle(cinder, settings)).rejects.toThrow(CycleFailed);
    const left = [...cinder.volumes.values()].filter((v) => v.status !== 'deleting');
    expect(left).toEqual([]);
  });

  it('gives up after the timeout with the statuses it saw', async () => {
    const cinder = new FakeCinder(1_000_000);
    await expect(runCycle(cinder, { ...settings, volumes: 3, timeoutMs: 50 })).rejects.toThrow(/not done after .*creating/);
  });
});
