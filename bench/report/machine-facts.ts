import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineFacts {
  readonly hostname: string;
  /** CPUs this process may use (what `nproc` prints). */
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly strataVersion: string;
  /** `git describe`-style commit of the working tree, with `-dirty` when it has changes. */
  readonly strataCommit: string;
  /** os.loadavg() when the run started. */
  readonly loadAverageAtStart: readonly number[];
}

function command(cmd: string, args: string[], cwd?: string): string | undefined {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function collectMachineFacts(repoRoot: string): MachineFacts {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return {
    hostname: os.hostname(),
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    strataVersion: pkg.version ?? 'unknown',
    strataCommit: command('git', ['describe', '--always', '--dirty'], repoRoot) ?? 'unknown',
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/** First line of `<cmd> --version`-style output, for the report. */
export function toolVersion(cmd: string, args: string[]): string | undefined {
  return command(cmd, args)?.split('\n')[0];
}
