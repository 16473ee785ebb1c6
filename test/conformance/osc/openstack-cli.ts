import { appendFileSync } from 'node:fs';
import { runCommand } from '../lib/run-command.ts';

export interface CliResult {
  args: readonly string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A CLI call that did not end the way the step needed. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly result: CliResult,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What a refused call reported: the HTTP status in `(HTTP 403)` and the message line. */
export interface CliRefusal {
  httpStatus: number | null;
  message: string;
}

/** Options whose value is a secret: masked in messages and the log. */
const SECRET_OPTIONS = new Set([
  '--password',
  '--original-password',
  '--secret',
  '--os-password',
  '--os-application-credential-secret',
]);

/** Secrets the CLI prints itself, e.g. the `secret` of `application credential create`. */
export function maskSecretFields(output: string): string {
  return output.replace(/("(?:secret|password)"\s*:\s*)"[^"]*"/g, '$1"***"');
}

export function maskSecrets(args: readonly string[]): string[] {
  return args.map((arg, i) => (i > 0 && SECRET_OPTIONS.has(args[i - 1] as string) ? '***' : arg));
}

/** The status the CLI prints after a server error message, e.g. `... (HTTP 401) (Request-ID: …)`. */
export function httpStatusOf(stderr: string): number | null {
  const match = /\(HTTP (\d{3})\)/.exec(stderr);
  return match ? Number(match[1]) : null;
}

/** The last non-empty stderr line, which is where the CLI puts the server's message. */
export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').trim();
}

/**
 * The real `openstack` CLI, one process per call, with a fixed environment (the identity
 * it acts as). Every call is appended to a log with its output, secrets masked.
 */
export class OpenstackCli {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string | null,
    private readonly timeoutMs = 120_000,
    private readonly command = 'openstack',
  ) {}

  /** The same CLI acting with another environment (another user, another auth type). */
  as(env: NodeJS.ProcessEnv): OpenstackCli {
    return new OpenstackCli(env, this.logFile, this.timeoutMs, this.command);
  }

  async run(args: readonly string[]): Promise<CliResult> {
    const r = await runCommand(this.command, args, { env: this.env, timeoutMs: this.timeoutMs });
    const result: CliResult = {
      args,
      exitCode: r.timedOut ? null : r.exitCode,
      stdout: r.stdout,
      stderr: r.timedOut ? `${r.stderr}\n(killed after ${this.timeoutMs / 1000} s)` : r.stderr,
      seconds: r.durationMs / 1000,
    };
    if (this.logFile) {
      appendFileSync(
        this.logFile,
        `$ ${this.command} ${maskSecrets(args).join(' ')}\n` +
          `# exit ${result.exitCode ?? 'killed'}, ${result.seconds.toFixed(1)} s\n` +
          `${maskSecretFields(result.stdout)}${result.stderr ? `# stderr:\n${result.stderr}` : ''}\n`,
      );
    }
    return result;
  }

  /** Runs with `-f json` and returns the parsed output; throws unless it exits 0 with JSON. */
  async json<T>(args: readonly string[]): Promise<T> {
    const result = await this.ok([...args, '-f', 'json']);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new CliError(
        `${this.describe(args)} printed no JSON: ${result.stdout.slice(0, 200)}`,
        result,
      );
    }
  }

  /** Runs and throws unless it exits 0. */
  async ok(args: readonly string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.exitCode !== 0) {
      throw new CliError(
        `${this.describe(args)} failed (exit ${result.exitCode ?? 'killed'}): ${lastLine(result.stderr)}`,
        result,
      );
    }
    return result;
  }

  /** Runs a call that must be refused; throws if it succeeds. */
  async refused(args: readonly string[]): Promise<CliRefusal> {
    const result = await this.run(args);
    if (result.exitCode === 0) throw new CliError(`${this.describe(args)} was allowed`, result);
    return { httpStatus: httpStatusOf(result.stderr), message: lastLine(result.stderr) };
  }

  private describe(args: readonly string[]): string {
    return `openstack ${maskSecrets(args)
      .filter((a) => !a.startsWith('--os-'))
      .slice(0, 4)
      .join(' ')}`;
  }
}
