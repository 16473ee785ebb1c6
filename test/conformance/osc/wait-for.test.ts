import { describe, expect, it } from 'vitest';
import type { CliResult } from './openstack-cli.ts';
import { StepFailure } from './scenario-runner.ts';
import { saysNotFound, waitForStatus, waitUntilGone } from './wait-for.ts';

/** A clock that advances only when the waiter sleeps. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

const sequence = <T>(values: T[]): (() => Promise<T>) => {
  let i = 0;
  return async () => values[Math.min(i++, values.length - 1)] as T;
};

const cli = (exitCode: number, stderr = ''): CliResult => ({
  args: [],
  exitCode,
  stdout: exitCode === 0 ? '{}' : '',
  stderr,
  seconds: 1,
});

describe('waitForStatus', () => {
  it('polls until the status is reached (and the extra condition holds)', async () => {
    const clock = fakeClock();
    const shown = await waitForStatus(
      sequence([
        { status: 'creating', size: 1 },
        { status: 'extending', size: 1 },
        { status: 'available', size: 1 },
        { status: 'available', size: 2 },
      ]),
      'available',
      'volume v',
      { timeoutMs: 60_000, pollMs: 1000, ...clock },
      (v) => v.size === 2,
    );
    expect(shown).toEqual({ status: 'available', size: 2 });
    expect(clock.slept).toEqual([1000, 1000, 1000]);
  });

  it('fails at once on an error status', async () => {
    const clock = fakeClock();
    await expect(
      waitForStatus(
        sequence([{ status: 'creating' }, { status: 'error_extending' }]),
        'available',
        'volume v',
        {
          timeoutMs: 60_000,
          pollMs: 1000,
          ...clock,
        },
      ),
    ).rejects.toThrow(
      new StepFailure('volume v went to status error_extending (waiting for available)'),
    );
  });

  it('fails with the last status after the timeout', async () => {
    const clock = fakeClock();
    await expect(
      waitForStatus(sequence([{ status: 'creating' }]), 'available', 'volume v', {
        timeoutMs: 3000,
        pollMs: 1000,
        ...clock,
      }),
    ).rejects.toThrow('volume v is still creating after 3 s (waiting for available)');
  });
});

describe('waitUntilGone', () => {
  it('recognises what the CLI prints for something that does not exist', () => {
    expect(saysNotFound(cli(1, "No volume with a name or ID of 'x' exists."))).toBe(true);
    expect(saysNotFound(cli(1, 'No Image found for 1234'))).toBe(true);
    expect(
      saysNotFound(cli(1, 'Backup 1 could not be found. (HTTP 404) (Request-ID: req-1)')),
    ).toBe(true);
    expect(saysNotFound(cli(1, 'Internal Server Error (HTTP 500)'))).toBe(false);
    expect(saysNotFound(cli(0))).toBe(false);
  });

  it('polls while the thing is still shown, and returns once it is not found', async () => {
    const clock = fakeClock();
    await waitUntilGone(
      sequence([cli(0), cli(0), cli(1, "No volume with a name or ID of 'v' exists.")]),
      'volume v',
      { timeoutMs: 60_000, pollMs: 500, ...clock },
    );
    expect(clock.slept).toEqual([500, 500]);
  });

  it('fails on another error, and when the thing stays', async () => {
    await expect(
      waitUntilGone(sequence([cli(1, 'boom (HTTP 500)')]), 'volume v', {
        timeoutMs: 1000,
        pollMs: 500,
        ...fakeClock(),
      }),
    ).rejects.toThrow(/show failed without saying not found: boom/);
    await expect(
      waitUntilGone(sequence([cli(0)]), 'volume v', {
        timeoutMs: 1000,
        pollMs: 500,
        ...fakeClock(),
      }),
    ).rejects.toThrow('volume v still exists after 1 s');
  });
});
