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

// The work is counted in CPU time, not wall time: on a loaded machine a 150 ms busy loop may
// get only a few ms of CPU, and the test would be measuring the scheduler.
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    for (let i = 0; i < 10_000; i++) Math.sqrt(Math.random());
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe.runIf(onLinux)('process CPU from /proc', () => {
  it('sees this process burn CPU', () => {
    const before = processCpuSeconds(process.pid)!;
    burnCpu(150);
    expect(processCpuSeconds(process.pid)! - before).toBeGreaterThan(0.1);
  });

  it('includes descendants, and is undefined for a process that is gone', async () => {
    // The child burns 300 ms of CPU, says so, and waits until its stdin closes.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const s = process.cpuUsage();
         while ((process.cpuUsage(s).user + process.cpuUsage(s).system) < 300000) Math.sqrt(Math.random());
         process.stdout.write('burnt\\n');
         process.stdin.resume();
         process.stdin.on('end', () => process.exit(0));`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('burnt')) resolve();
      });
      child.once('exit', () => reject(new Error('the child exited before burning its CPU')));
    });
    expect(childPids(process.pid)).toContain(child.pid);
    const tree = treeCpuSeconds([process.pid])!;
    const own = processCpuSeconds(process.pid)!;
    expect(tree - own).toBeGreaterThan(0.2);
    child.stdin!.end();
    await exited;
    expect(processCpuSeconds(child.pid!)).toBeUndefined();
  });
});
