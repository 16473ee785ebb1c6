// One conformance run per output directory: a second run would wipe the first one's strata
// data directory under it (volume files, images) and fail it for no fault of the cloud.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCK = 'run.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Empties `dir` for a new run and marks it as this process's, unless a live process holds
 * it. Returns the release function (removes the mark if it is still ours).
 */
export function claimOutputDir(dir: string, pid = process.pid): () => void {
  const lockFile = path.join(dir, LOCK);
  let holder = NaN;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    // no lock: free
  }
  if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) {
    throw new Error(
      `another conformance run (pid ${holder}) is using ${dir}; wait for it, or give this ` +
        'run its own directory with STRATA_CONFORMANCE_OUT',
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(lockFile, `${pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(lockFile, 'utf8').trim()) === pid) rmSync(lockFile);
    } catch {
      // already gone
    }
  };
}
