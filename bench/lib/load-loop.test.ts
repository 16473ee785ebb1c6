import { describe, expect, it } from 'vitest';
import { runClosedLoop, type OperationOutcome } from './load-loop.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runClosedLoop', () => {
  it('keeps exactly `concurrency` operations in flight and stops after the duration', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await runClosedLoop({
      concurrency: 3,
      durationMs: 60,
      operation: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { ok: true };
      },
    });
    expect(peak).toBe(3);
    expect(result.errors).toBe(0);
    expect(result.ok).toBeGreaterThan(3);
    expect(result.latenciesMs.length).toBe(result.ok);
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(4);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(60);
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('hands out a run-wide sequence number', async () => {
    const seen: number[] = [];
    await runClosedLoop({
      concurrency: 2,
      durationMs: 20,
      operation: async (seq) => {
        seen.push(seq);
        await tick();
        return { ok: true };
      },
    });
    expect(seen.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('counts failed outcomes and thrown errors by kind, without latency samples', async () => {
    const result = await runClosedLoop({
      concurrency: 1,
      durationMs: 30,
      operation: async (seq): Promise<OperationOutcome> => {
        await tick();
        if (seq % 3 === 0) return { ok: false, kind: 'HTTP 500' };
        if (seq % 3 === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return { ok: true };
      },
    });
    expect(result.errors).toBe(result.errorKinds['HTTP 500']! + result.errorKinds['ECONNRESET']!);
    expect(result.errorKinds['HTTP 500']).toBeGreaterThan(0);
    expect(result.errorKinds['ECONNRESET']).toBeGreaterThan(0);
    expect(result.latenciesMs.length).toBe(result.ok);
  });

  it('grows its sample buffer past the initial size', async () => {
    const result = await runClosedLoop({
      concurrency: 4,
      durationMs: 50,
      initialCapacity: 2,
      operation: async () => ({ ok: true }),
    });
    expect(result.ok).toBeGreaterThan(8);
    expect(result.latenciesMs.length).toBe(result.ok);
  });
});
