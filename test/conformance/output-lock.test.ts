import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimOutputDir } from './output-lock.ts';

const root = mkdtempSync(path.join(tmpdir(), 'output-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('claimOutputDir', () => {
  it('empties the directory, marks it, and unmarks it on release', () => {
    const dir = path.join(root, 'a');
    const first = claimOutputDir(dir);
    writeFileSync(path.join(dir, 'strata.log'), 'old run');
    first();
    expect(existsSync(path.join(dir, 'run.pid'))).toBe(false);
    const second = claimOutputDir(dir);
    expect(existsSync(path.join(dir, 'strata.log'))).toBe(false);
    expect(readFileSync(path.join(dir, 'run.pid'), 'utf8').trim()).toBe(String(process.pid));
    second();
  });

  it('refuses a directory a live process holds, and takes one a dead process left', async () => {
    const dir = path.join(root, 'b');
    const sleeper = spawn('sleep', ['30']);
    try {
      claimOutputDir(dir, sleeper.pid);
      expect(() => claimOutputDir(dir)).toThrow(
        new RegExp(`another conformance run \\(pid ${sleeper.pid}\\).*STRATA_CONFORMANCE_OUT`),
      );
      expect(existsSync(path.join(dir, 'run.pid'))).toBe(true);
    } finally {
      sleeper.kill();
    }
    await new Promise((resolve) => sleeper.once('exit', resolve));
    const release = claimOutputDir(dir);
    expect(readFileSync(path.join(dir, 'run.pid'), 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
