import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from './latency-stats.ts';

describe('percentile', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('uses nearest rank, so p50 of 1..100 is 50 and p99 is 99', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('returns an observed value for small samples', () => {
    const three = Float64Array.from([1, 2, 30]);
    expect(percentile(three, 50)).toBe(2);
    expect(percentile(three, 99)).toBe(30);
    expect(percentile(three, 0)).toBe(1);
  });

  it('is NaN for an empty sample', () => {
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically (not as strings) and reports mean and max', () => {
    const s = summarizeLatencies(Float64Array.from([10, 9, 100, 1]));
    expect(s).toEqual({ count: 4, mean: 30, p50: 9, p90: 100, p99: 100, max: 100 });
  });

  it('does not reorder the caller’s array', () => {
    const input = Float64Array.from([3, 1, 2]);
    summarizeLatencies(input);
    expect(Array.from(input)).toEqual([3, 1, 2]);
  });
});
