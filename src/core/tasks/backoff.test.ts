import { describe, expect, it } from 'vitest';
import { checkRetryPolicy, retryDelayMs } from './backoff.ts';
import { TaskError, toTaskFailure } from './errors.ts';

const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retryDelayMs', () => {
  it('doubles with each failure up to the cap', () => {
    const top = () => 1; // no jitter taken off
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, policy, top))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('keeps at least half of the delay when jittering', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(200);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(300);
    expect(retryDelayMs(50, policy, () => 0)).toBe(500);
  });

  it('refuses policies that cannot work', () => {
    expect(() => checkRetryPolicy({ ...policy, maxAttempts: 0 })).toThrow(RangeError);
    expect(() => checkRetryPolicy({ ...policy, maxAttempts: 1.5 })).toThrow(RangeError);
    expect(() => checkRetryPolicy({ ...policy, maxDelayMs: 10 })).toThrow(RangeError);
    expect(() => checkRetryPolicy(policy)).not.toThrow();
  });
});

describe('toTaskFailure', () => {
  it('reads code, message and retryable from what a handler threw', () => {
    expect(toTaskFailure(new TaskError('busy', 'backend busy', { retryable: true }))).toEqual({
      code: 'busy',
      message: 'backend busy',
      retryable: true,
    });
    class RetryableDriverError extends Error {
      readonly retryable = true;
    }
    expect(toTaskFailure(new RetryableDriverError('daemon restarting'))).toEqual({
      code: 'Error',
      message: 'daemon restarting',
      retryable: true,
    });
    expect(toTaskFailure(new RangeError('too big'))).toEqual({
      code: 'RangeError',
      message: 'too big',
      retryable: false,
    });
    expect(toTaskFailure('plain text')).toEqual({
      code: 'Error',
      message: 'plain text',
      retryable: false,
    });
    expect(toTaskFailure(new Error('x'.repeat(5_000))).message.length).toBeLessThan(2_100);
  });
});
