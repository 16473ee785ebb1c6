import fs from 'node:fs';

/**
 * CPU time of server processes, from Linux /proc. A server's CPU time per request is the
 * figure a busy shared machine disturbs least: background load stretches wall-clock
 * latency and cuts throughput, but barely changes the CPU a request costs.
 */

// USER_HZ: 100 on every Linux architecture Node supports (it is fixed by the kernel ABI).
const ticksPerSecond = 100;

/** utime + stime of one process (all its threads), in seconds; undefined if it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuSecondsFromStat(stat);
}

/** Parses a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function cpuSecondsFromStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Direct children of a process (e.g. uwsgi's workers under its master). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // thread ended meanwhile
    }
  }
  return out;
}

/** Total CPU seconds of these processes and all their descendants, or undefined without /proc. */
export function treeCpuSeconds(rootPids: readonly number[]): number | undefined {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  let total = 0;
  const todo = [...rootPids];
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += processCpuSeconds(pid) ?? 0;
    todo.push(...childPids(pid));
  }
  return total;
}
