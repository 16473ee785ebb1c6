import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RetryableDriverError } from '../../../services/block-storage/drivers.ts';

/**
 * Runs the Ceph CLIs (`rbd`, `ceph`, `rados` from ceph-common). The CLIs rather than a
 * native librbd addon: no compiler or addon to build and keep in step with Node's ABI, the
 * same binaries an operator debugs with, and a crashed call cannot take the service down.
 * The price is a process per call (tens of milliseconds), small next to the I/O.
 */

/** What went wrong, read from the errno Ceph prints as `(2) No such file or directory`. */
export type CephErrorKind = 'not-found' | 'exists' | 'busy' | 'not-empty' | 'invalid' | 'timeout' | 'no-space' | 'other';

export class CephCommandError extends Error {
  constructor(
    message: string,
    readonly kind: CephErrorKind,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const ERRNO_KINDS: Readonly<Record<number, CephErrorKind>> = {
  2: 'not-found',
  17: 'exists',
  16: 'busy',
  39: 'not-empty',
  22: 'invalid',
  110: 'timeout',
  28: 'no-space',
  122: 'no-space',
};

/**
 * Classifies a failed command by the errno in its stderr (the last one wins: it is the
 * cause), else by its exit status, which the Ceph CLIs set to the errno.
 */
export function classifyCephError(stderr: string, exitCode: number | null): CephErrorKind {
  const errnos = [...stderr.matchAll(/\((\d+)\) [A-Z]/g)].map((m) => Number(m[1]));
  const errno = errnos.at(-1) ?? exitCode ?? undefined;
  if (errno !== undefined && ERRNO_KINDS[errno]) return ERRNO_KINDS[errno];
  if (/timed out|connection timeout/i.test(stderr)) return 'timeout';
  return 'other';
}

export interface CephCommandOptions {
  /** Kill the command after this long; the failure is retryable (cluster busy or away). */
  readonly timeoutMs?: number;
  /** Data piped to the command's stdin. */
  readonly stdin?: Readable | AsyncIterable<Buffer>;
}

function describe(cmd: string, args: readonly string[]): string {
  return `${cmd} ${args.join(' ')}`;
}

function failure(cmd: string, args: readonly string[], code: number | null, stderr: string, timedOut: boolean): Error {
  const text = stderr.trim().split('\n').slice(-3).join(' | ');
  if (timedOut) {
    return new RetryableDriverError(`${describe(cmd, args)} timed out${text ? `: ${text}` : ''}`);
  }
  const kind = classifyCephError(stderr, code);
  const message = `${describe(cmd, args)} failed (exit ${code ?? 'signal'}): ${text}`;
  if (kind === 'timeout') return new RetryableDriverError(message);
  return new CephCommandError(message, kind, stderr);
}

function collectStderr(child: ChildProcess): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  child.stderr?.on('data', (c: Buffer) => {
    // keep the tail only: a failing export can be chatty
    chunks.push(c);
    size += c.length;
    while (size > 64 * 1024 && chunks.length > 1) size -= chunks.shift()!.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

function armTimeout(child: ChildProcess, timeoutMs: number | undefined): { cancel: () => void; fired: () => boolean } {
  let fired = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          fired = true;
          child.kill('SIGKILL');
        }, timeoutMs);
  return { cancel: () => clearTimeout(timer), fired: () => fired };
}

/** Runs a command to completion and returns its stdout. */
export function runCephCommand(cmd: string, args: readonly string[], opts: CephCommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    const out: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    const timer = armTimeout(child, opts.timeoutMs);
    let feedError: Error | undefined;
    if (opts.stdin) {
      // On a source error the pipeline closes the command's stdin: the command sees end of
      // input and exits on its own, closing the image cleanly. Killing it instead would leave
      // a watcher on the image that blocks its removal for ~30 s.
      pipeline(opts.stdin, child.stdin!).catch((err: Error) => {
        feedError = err;
      });
    }
    child.once('error', (err) => {
      timer.cancel();
      reject(new Error(`cannot run ${cmd}: ${err.message} (is ceph-common installed?)`));
    });
    child.once('close', (code) => {
      timer.cancel();
      if (code === 0 && !feedError) resolve(Buffer.concat(out).toString('utf8'));
      else if (code === 0 || (feedError && !/EPIPE|premature close/i.test(feedError.message))) {
        // the data source failed (e.g. an image download broke): that is the error to report
        reject(feedError ?? new Error(`${describe(cmd, args)}: input failed`));
      } else reject(failure(cmd, args, code, stderr(), timer.fired()));
    });
  });
}

/**
 * Starts a command whose stdout is the result (e.g. `rbd export <spec> -`). The stream ends
 * only once the command exited 0, and errors if it failed, so a truncated export is never
 * mistaken for a whole one. Destroying the stream ends the command.
 */
export function streamCephCommand(cmd: string, args: readonly string[]): Readable {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collectStderr(child);
  const out = new PassThrough();
  child.stdout!.pipe(out, { end: false });
  child.once('error', (err) => out.destroy(new Error(`cannot run ${cmd}: ${err.message}`)));
  child.once('close', (code) => {
    if (code === 0) out.end();
    else if (!out.destroyed) out.destroy(failure(cmd, args, code, stderr(), false));
  });
  out.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return out;
}
