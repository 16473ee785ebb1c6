import { describe, expect as assert, it } from 'vitest';
import { expect, need, ScenarioRunner, StepFailure } from './scenario-runner.ts';

describe('ScenarioRunner', () => {
  it('prints PASS with the detail or FAIL with the reason, and counts both', async () => {
    const out: string[] = [];
    const runner = new ScenarioRunner((line) => out.push(line));
    assert(await runner.step('good', async () => 'detail')).toBe(true);
    assert(await runner.step('bad', async () => expect(false, 'it was wrong\nsecond line'))).toBe(
      false,
    );
    assert(out[0]).toMatch(/^PASS good — detail \(\d+\.\ds\)$/);
    assert(out.slice(1)).toEqual(['FAIL bad', '     ! it was wrong', '     ! second line']);
    assert(runner.summary()).toEqual({ passed: 1, failed: 1, skipped: 0 });
  });

  it('prints SKIP with the reason and counts skips apart', async () => {
    const out: string[] = [];
    const runner = new ScenarioRunner((line) => out.push(line));
    runner.skip('volume backup create', 'no cinder-backup service is up');
    assert(out).toEqual(['SKIP volume backup create — no cinder-backup service is up']);
    assert(runner.summary()).toEqual({ passed: 0, failed: 0, skipped: 1 });
    runner.stop('interrupted');
    runner.skip('later', 'x');
    assert(runner.summary().skipped).toBe(1);
  });

  it('cleans up what is still pending, newest first, and reports what it could not remove', async () => {
    const out: string[] = [];
    const order: string[] = [];
    const runner = new ScenarioRunner((line) => out.push(line));
    runner.created('project p', async () => order.push('project'));
    const user = runner.created('user u', async () => order.push('user'));
    runner.created('role r', async () => {
      throw new Error('HTTP 500');
    });
    user.done();
    assert(await runner.cleanUp()).toEqual(['role r']);
    assert(order).toEqual(['project']);
    assert(out).toEqual([
      'cleanup: could not remove role r: HTTP 500',
      'cleanup: removed project p',
    ]);
    assert(await runner.cleanUp()).toEqual(['role r']); // removed ones are not tried again
    assert(order).toEqual(['project']);
  });

  it('runs no step after stop, without counting it', async () => {
    const out: string[] = [];
    const runner = new ScenarioRunner((line) => out.push(line));
    runner.stop('interrupted');
    let ran = false;
    assert(
      await runner.step('late', async () => {
        ran = true;
      }),
    ).toBe(false);
    assert(ran).toBe(false);
    assert(runner.summary()).toEqual({ passed: 0, failed: 0, skipped: 0 });
    assert(runner.stopped).toBe('interrupted');
    assert(out).toEqual(['STOP interrupted: remaining steps not run']);
  });
});

describe('step helpers', () => {
  it('need returns a value and fails clearly when an earlier step left none', () => {
    assert(need('id-1', 'project A')).toBe('id-1');
    assert(() => need(undefined, 'project A')).toThrow(StepFailure);
    assert(() => need(undefined, 'project A')).toThrow(
      'needs project A, which an earlier step did not produce',
    );
  });
});
