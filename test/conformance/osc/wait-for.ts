// Waiting for asynchronous resources (volumes, snapshots, backups, images) through the CLI:
// `<thing> show` until a status is reached, or until the thing is gone.
import type { CliResult } from './openstack-cli.ts';
import { lastLine } from './openstack-cli.ts';
import { StepFailure } from './scenario-runner.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between two `show` calls (each call itself takes 1.5-3 s here). */
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_WAIT: WaitOptions = { timeoutMs: 180_000, pollMs: 1000 };

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `show` until its `status` is `wanted` (and `also` holds, if given). A status with
 * "error" in it fails at once: Cinder's error, error_extending, error_restoring … never
 * recover by themselves.
 */
export async function waitForStatus<T extends { status?: unknown }>(
  show: () => Promise<T>,
  wanted: string,
  what: string,
  options: WaitOptions = DEFAULT_WAIT,
  also: (shown: T) => boolean = () => true,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await show();
    const status = String(last.status);
    if (status === wanted && also(last)) return last;
    if (status.includes('error') || status === 'killed') {
      throw new StepFailure(`${what} went to status ${status} (waiting for ${wanted})`);
    }
    if (now() >= deadline) break;
    await sleep(options.pollMs);
  }
  throw new StepFailure(
    `${what} is still ${String(last.status)} after ${options.timeoutMs / 1000} s (waiting for ${wanted})`,
  );
}

/** What the CLI prints when a show finds nothing (osc-lib, the SDK, or the server's 404). */
const NOT_FOUND =
  /No \w+ with a name or ID of|Could not find resource|No \w+ found for|\(HTTP 404\)|NotFound|could not be found/i;

export function saysNotFound(result: CliResult): boolean {
  return result.exitCode !== 0 && NOT_FOUND.test(result.stderr);
}

/** Calls `show` (which must not throw on a failed command) until the thing is gone. */
export async function waitUntilGone(
  show: () => Promise<CliResult>,
  what: string,
  options: WaitOptions = DEFAULT_WAIT,
): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const result = await show();
    if (saysNotFound(result)) return;
    if (result.exitCode !== 0) {
      throw new StepFailure(
        `${what}: show failed without saying not found: ${lastLine(result.stderr)}`,
      );
    }
    if (now() >= deadline) break;
    await sleep(options.pollMs);
  }
  throw new StepFailure(`${what} still exists after ${options.timeoutMs / 1000} s`);
}
