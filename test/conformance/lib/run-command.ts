import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the whole process group after this long (tempest forks stestr workers). */
  timeoutMs?: number;
  /** Tee stdout and stderr (interleaved, as they arrive) into this file. */
  logFile?: string;
  /** Called for each complete stdout line, e.g. to report progress. */
  onStdoutLine?: (line: string) => void;
  /** Pass the child's stdout/stderr straight to ours instead of capturing them. */
  inheritOutput?: boolean;
}

export interface CommandResult {
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

/**
 * Runs one program (no shell) and resolves when it has exited; never rejects on a non-zero
 * exit, only when the program cannot be started at all.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // own process group, so a timeout can end the workers it forked too
      detached: options.timeoutMs !== undefined,
      stdio: [
        'ignore',
        options.inheritOutput ? 'inherit' : 'pipe',
        options.inheritOutput ? 'inherit' : 'pipe',
      ],
    });
    const log = options.logFile ? createWriteStream(options.logFile) : undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let partialLine = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      log?.write(chunk);
      if (options.onStdoutLine) {
        const lines = (partialLine + chunk.toString('utf8')).split('\n');
        partialLine = lines.pop() ?? '';
        for (const line of lines) options.onStdoutLine(line);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      log?.write(chunk);
    });

    // a detached child does not see our terminal's Ctrl-C: pass interrupts on to its group
    const forward = (signal: NodeJS.Signals): void => killGroup(child.pid, signal);
    if (options.timeoutMs !== undefined) {
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
    }

    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGTERM');
          }, options.timeoutMs);
    const stopForwarding = (): void => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };

    child.on('error', (err) => {
      stopForwarding();
      log?.end();
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (exitCode, signal) => {
      stopForwarding();
      if (options.onStdoutLine && partialLine) options.onStdoutLine(partialLine);
      const finish = (): void =>
        resolve({
          exitCode,
          signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          durationMs: performance.now() - started,
          timedOut,
        });
      if (log) log.end(finish);
      else finish();
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Binary-safe variant for commands whose stdout is a byte stream (subunit). */
export function runCommandForBytes(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ exitCode: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('close', (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}
