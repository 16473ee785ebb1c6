import { execFile } from 'node:child_process';

/** A command that exited non-zero; carries its stderr so callers can tell causes apart. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} ${args.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  /** Kill the command after this long (default: no limit, image conversions may be long). */
  readonly timeoutMs?: number;
}

/** Runs a program without a shell and resolves with its stdout. */
export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args as string[],
      { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        if (typeof err.code === 'string') {
          // ENOENT and friends: the program itself is missing
          return reject(new CommandError(command, args, null, `${err.code}: ${err.message}`));
        }
        reject(new CommandError(command, args, code, String(stderr || err.message)));
      },
    );
  });
}

/** True when `command` can be executed (checked by running it with `args`). */
export async function commandWorks(command: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(command, args, { timeoutMs: 30_000 });
    return true;
  } catch {
    return false;
  }
}
