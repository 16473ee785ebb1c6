import { execFile, execFileSync } from 'node:child_process';

/**
 * The raw speed of the disk under a directory, measured with GNU dd the way operators do, and
 * the page-cache control the image benchmark needs to read from the disk rather than from
 * memory. This machine gives no root access to /proc/sys/vm/drop_caches, so cold reads evict
 * one file at a time with posix_fadvise(DONTNEED) (dd iflag=nocache count=0), which works
 * unprivileged on clean pages: every file is fsynced (or `sync` run) before it is evicted.
 */

export interface TimedRun {
  readonly seconds: number;
  /** What dd printed as its last line (bytes, time, rate), kept for the record. */
  readonly report: string;
}

function run(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

async function timed(cmd: string, args: readonly string[]): Promise<TimedRun> {
  const start = process.hrtime.bigint();
  const { stderr } = await run(cmd, args);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, report: stderr.trim().split('\n').at(-1) ?? '' };
}

/** `dd bs=1M conv=fdatasync`: copies source to dest and waits until the data is on the disk. */
export function ddWrite(source: string, dest: string, opts: { sync: boolean }): Promise<TimedRun> {
  return timed('dd', [`if=${source}`, `of=${dest}`, 'bs=1M', ...(opts.sync ? ['conv=fdatasync'] : [])]);
}

/** `dd bs=1M of=/dev/null`, through the page cache or, with `direct`, with O_DIRECT. */
export function ddRead(file: string, opts: { direct: boolean }): Promise<TimedRun> {
  return timed('dd', [`if=${file}`, 'of=/dev/null', 'bs=1M', ...(opts.direct ? ['iflag=direct'] : [])]);
}

/** Drops a file's clean pages from the page cache (GNU dd's documented idiom). */
export async function evictFromPageCache(file: string): Promise<void> {
  await run('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** Bytes of a file that sit in the page cache (util-linux fincore), or undefined without fincore. */
export async function pageCacheResidentBytes(file: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('fincore', ['--bytes', '--noheadings', '--output', 'RES', file]);
    const n = Number(stdout.trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Writes back every dirty page, so one measurement's writeback does not slow the next. */
export async function syncAll(): Promise<void> {
  await run('sync', []);
}

/** The device and filesystem holding a directory, as findmnt names them. */
export function filesystemOf(dir: string): string {
  try {
    return execFileSync('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '-T', dir], { encoding: 'utf8' })
      .trim()
      .replace(/\s+/g, ' ');
  } catch {
    return 'unknown';
  }
}

/** Free bytes of the filesystem holding a directory. */
export function freeBytes(dir: string): number {
  const out = execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' });
  return Number(out.trim().split('\n').at(-1));
}
