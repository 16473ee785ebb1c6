import fs from 'node:fs';
import { run } from './command.ts';
import { processAlive, processRuns, readPidFile, waitFor } from './processes.ts';

/**
 * Presents a qcow2 image (with its backing chain) as a plain raw file, through
 * qemu-storage-daemon's FUSE export. tgt can only serve raw files; this is how qcow2 volumes
 * reach iSCSI without flattening them. The mount point is a regular file; one daemon per
 * export, found again through its pid file.
 */
export interface FuseExportSpec {
  readonly image: string;
  readonly format: 'qcow2' | 'raw';
  /** The regular file the raw view appears at. */
  readonly mountpoint: string;
  readonly pidFile: string;
}

/** qemu's option syntax doubles commas inside values. */
function optValue(v: string): string {
  return v.replace(/,/g, ',,');
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function isMounted(mountpoint: string): boolean {
  const info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === mountpoint);
}

/** Mounted and answering (a crashed daemon leaves a mount that fails with ENOTCONN). */
function healthy(mountpoint: string): boolean {
  if (!isMounted(mountpoint)) return false;
  try {
    fs.statSync(mountpoint);
    return true;
  } catch {
    return false;
  }
}

async function unmount(mountpoint: string): Promise<void> {
  if (isMounted(mountpoint)) await run('umount', ['-l', mountpoint], { timeoutMs: 30_000 });
}

/** Starts the export unless it is up; true when it (re)started, so consumers must reopen it. */
export async function startFuseExport(spec: FuseExportSpec): Promise<boolean> {
  if (healthy(spec.mountpoint)) return false;
  await stopFuseExport(spec);
  fs.closeSync(fs.openSync(spec.mountpoint, 'a'));
  // --daemonize returns once the export is mounted, so no readiness polling is needed.
  await run(
    'qemu-storage-daemon',
    [
      '--blockdev', `driver=file,node-name=file0,filename=${optValue(spec.image)}`,
      '--blockdev', `driver=${spec.format},node-name=fmt0,file=file0`,
      '--export', `type=fuse,id=exp0,node-name=fmt0,mountpoint=${optValue(spec.mountpoint)},writable=on`,
      '--pidfile', spec.pidFile,
      '--daemonize',
    ],
    { timeoutMs: 60_000 },
  );
  return true;
}

export async function stopFuseExport(spec: Pick<FuseExportSpec, 'mountpoint' | 'pidFile'>): Promise<void> {
  const pid = readPidFile(spec.pidFile);
  if (pid !== undefined && processRuns(pid, spec.mountpoint)) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !processAlive(pid) && !isMounted(spec.mountpoint), { timeoutMs: 15_000, what: 'qemu-storage-daemon to exit' });
    } catch {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }
  await unmount(spec.mountpoint);
  fs.rmSync(spec.pidFile, { force: true });
  fs.rmSync(spec.mountpoint, { force: true });
}
