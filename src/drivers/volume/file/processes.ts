import fs from 'node:fs';

/**
 * True while `pid` runs. Daemons re-parented to a PID 1 that does not reap stay zombies
 * after they exit, and `kill -0` succeeds on a zombie, so the state in /proc decides.
 */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `condition` until it holds; the machine is shared, so deadlines are generous. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** Reads a pid file; undefined when absent or garbled. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs a command line containing `needle` (guards against reused pids). */
export function processRuns(pid: number, needle: string): boolean {
  try {
    return processAlive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return false;
  }
}
