import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand, runCommandForBytes } from './run-command.ts';

const node = process.execPath;

/** Linux: a killed process may linger as a zombie when PID 1 does not reap orphans. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('runCommand', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-run-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('captures stdout, stderr and a non-zero exit without rejecting', async () => {
    const r = await runCommand(node, [
      '-e',
      'console.log("out"); console.error("err"); process.exit(3)',
    ]);
    expect(r).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: 'out\n',
      stderr: 'err\n',
      timedOut: false,
    });
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('passes cwd and env, and reports stdout line by line into a log file', async () => {
    const lines: string[] = [];
    const logFile = path.join(dir, 'log.txt');
    const r = await runCommand(
      node,
      ['-e', 'process.stdout.write(`a\\n${process.cwd()}\\n${process.env.X}`)'],
      {
        cwd: dir,
        env: { X: 'x-value' },
        logFile,
        onStdoutLine: (line) => lines.push(line),
      },
    );
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual(['a', dir, 'x-value']);
    expect(readFileSync(logFile, 'utf8')).toBe(`a\n${dir}\nx-value`);
  });

  // 3 s: long enough for two node start-ups on a loaded machine before the kill
  it('ends the whole process group on timeout, grandchildren included', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const script = `const c = require("child_process").spawn(process.execPath, ["-e", "setTimeout(()=>{}, 60000)"]);
      require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setTimeout(()=>{}, 60000)`;
    const r = await runCommand(node, ['-e', script], { timeoutMs: 3000 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isRunning(grandchild)).toBe(false);
  }, 20_000);

  it('rejects when the program does not exist', async () => {
    await expect(runCommand('/nonexistent/program', [])).rejects.toThrow(/cannot run/);
  });
});

describe('runCommandForBytes', () => {
  it('keeps binary stdout intact', async () => {
    const r = await runCommandForBytes(node, [
      '-e',
      'process.stdout.write(Buffer.from([0xb3, 0x00, 0xff]))',
    ]);
    expect(r.exitCode).toBe(0);
    expect([...r.stdout]).toEqual([0xb3, 0x00, 0xff]);
  });
});
