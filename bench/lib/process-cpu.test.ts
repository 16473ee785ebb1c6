import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childPids, cpuSecondsFromStat, processCpuSeconds, treeCpuSeconds } from './process-cpu.ts';

const onLinux = process.platform === 'linux';

describe('cpuSecondsFromStat', () => {
  it('adds utime and stime, even when the command name holds spaces and parentheses', () => {
    const stat =
      '4242 (uWSGI (worker) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0 123 456 78';
    expect(cpuSecondsFromStat(stat)).toBe(3.25);
  });
});

describe.runIf(onLinux)('process CPU from /proc', () => {
  it('sees this process burn CPU', () => {
    const before = processCpuSeconds(process.pid)!;
    const end = Date.now() + 150;
    while (Date.now() < end) Math.sqrt(Math.random());
    expect(processCpuSeconds(process.pid)! - before).toBeGreaterThan(0.05);
  });

  it('includes descendants, and is undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, [
      '-e',
      'const e = Date.now() + 400; while (Date.now() < e);',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(childPids(process.pid)).toContain(child.pid);
    const tree = treeCpuSeconds([process.pid])!;
    const own = processCpuSeconds(process.pid)!;
    expect(tree - own).toBeGreaterThan(0.05);
    await new Promise((r) => child.once('exit', r));
    expect(processCpuSeconds(child.pid!)).toBeUndefined();
  });
});
