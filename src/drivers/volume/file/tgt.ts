import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { CommandError, run } from './command.ts';
import { processRuns, readPidFile, waitFor } from './processes.ts';

/** One iSCSI target as `tgtadm --op show --mode target` lists it. */
export interface TgtTarget {
  readonly tid: number;
  readonly iqn: string;
  readonly luns: ReadonlyArray<{ readonly lun: number; readonly backingPath: string | undefined }>;
  readonly acls: readonly string[];
}

/** Parses the human-oriented `tgtadm --op show --mode target` listing. */
export function parseTgtTargets(text: string): TgtTarget[] {
  const targets: Array<{ tid: number; iqn: string; luns: Array<{ lun: number; backingPath: string | undefined }>; acls: string[] }> = [];
  let section = '';
  for (const line of text.split('\n')) {
    const target = /^Target (\d+): (\S+)\s*$/.exec(line);
    if (target) {
      targets.push({ tid: Number(target[1]), iqn: target[2]!, luns: [], acls: [] });
      section = '';
      continue;
    }
    const current = targets[targets.length - 1];
    if (!current) continue;
    const heading = /^ {4}(\S.*):\s*$/.exec(line);
    if (heading) {
      section = heading[1]!;
      continue;
    }
    if (section === 'LUN information') {
      const lun = /^\s+LUN: (\d+)\s*$/.exec(line);
      if (lun) current.luns.push({ lun: Number(lun[1]), backingPath: undefined });
      const backing = /^\s+Backing store path: (.*)$/.exec(line);
      const last = current.luns[current.luns.length - 1];
      if (backing && last) last.backingPath = backing[1] === 'None' ? undefined : backing[1];
    } else if (section === 'ACL information') {
      const acl = /^\s+(\S+)\s*$/.exec(line);
      if (acl) current.acls.push(acl[1]!);
    }
  }
  return targets;
}

export interface TgtDaemonOptions {
  /** host:port tgtd listens on for iSCSI. */
  readonly portal: string;
  /** tgtd's control port (tgtadm -C); 0 = tgtd's default. */
  readonly controlPort: number;
  /** Where tgtd's output and pid file go. */
  readonly stateDir: string;
}

/** The LUN our volumes are served as (LUN 0 is tgt's controller). */
export const VOLUME_LUN = 1;

/**
 * The userspace iSCSI target (tgt), one daemon per backend on a private control port.
 * tgtd ignores SIGTERM, so stopping it goes through tgtadm (targets, then the system);
 * a daemon left running by an earlier process is reused rather than duplicated.
 */
export class TgtDaemon {
  constructor(private readonly opts: TgtDaemonOptions) {}

  private get pidFile(): string {
    return `${this.opts.stateDir}/tgtd.pid`;
  }

  private adm(args: readonly string[]): Promise<string> {
    const control = this.opts.controlPort ? ['-C', String(this.opts.controlPort)] : [];
    return run('tgtadm', [...control, ...args], { timeoutMs: 30_000 });
  }

  private async answering(): Promise<boolean> {
    try {
      await this.adm(['--op', 'show', '--mode', 'sys']);
      return true;
    } catch {
      return false;
    }
  }

  async start(): Promise<void> {
    if (!(await this.answering())) await this.spawnDaemon();
    await waitFor(() => portalOpen(this.opts.portal), { timeoutMs: 60_000, what: `tgtd to listen on ${this.opts.portal}` });
  }

  private async spawnDaemon(): Promise<void> {
    fs.mkdirSync(this.opts.stateDir, { recursive: true });
    const logFile = `${this.opts.stateDir}/tgtd.log`;
    const logFd = fs.openSync(logFile, 'a');
    const control = this.opts.controlPort ? ['-C', String(this.opts.controlPort)] : [];
    // Detached: attached hypervisors keep their disks if this process dies; the next start
    // finds the daemon answering and adopts it.
    const child = spawn('tgtd', ['-f', ...control, '--iscsi', `portal=${this.opts.portal}`], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    child.unref();
    if (child.pid) fs.writeFileSync(this.pidFile, String(child.pid));
    let failure: Error | undefined;
    child.once('error', (err) => (failure = err));
    child.once('exit', (code) => {
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
      failure = new Error(`tgtd exited (${code ?? 'signal'}) before it was ready: ${tail}`);
    });
    await waitFor(
      async () => {
        if (failure) throw failure;
        return this.answering();
      },
      { timeoutMs: 60_000, what: 'tgtd to answer tgtadm' },
    );
    child.removeAllListeners('exit');
  }

  async stop(): Promise<void> {
    if (!(await this.answering())) return;
    for (const t of await this.targets()) await this.deleteTid(t.tid);
    await this.adm(['--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'offline']).catch(() => {});
    await this.adm(['--op', 'delete', '--mode', 'system', '--force']).catch(() => {});
    const found = readPidFile(this.pidFile);
    const pid = found !== undefined && processRuns(found, 'tgtd') ? found : undefined;
    try {
      await waitFor(async () => !(await this.answering()) && (pid === undefined || !processRuns(pid, 'tgtd')), {
        timeoutMs: 15_000,
        what: 'tgtd to exit',
      });
    } catch {
      if (pid !== undefined && processRuns(pid, 'tgtd')) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(this.pidFile, { force: true });
    if (this.opts.controlPort) {
      // tgtd leaves its control socket behind; a private one is ours to tidy
      for (const f of [`socket.${this.opts.controlPort}`, `socket.${this.opts.controlPort}.lock`]) {
        fs.rmSync(`/var/run/tgtd/${f}`, { force: true });
      }
    }
  }

  async targets(): Promise<TgtTarget[]> {
    return parseTgtTargets(await this.adm(['--lld', 'iscsi', '--op', 'show', '--mode', 'target']));
  }

  /** Makes `iqn` serve `backingPath` as LUN 1 to any initiator; returns its tid. */
  async ensureTarget(iqn: string, backingPath: string): Promise<number> {
    let target = (await this.targets()).find((t) => t.iqn === iqn);
    if (!target) {
      const tid = Math.max(0, ...(await this.targets()).map((t) => t.tid)) + 1;
      await this.adm(['--lld', 'iscsi', '--op', 'new', '--mode', 'target', '--tid', String(tid), '-T', iqn]);
      target = { tid, iqn, luns: [], acls: [] };
    }
    const tid = String(target.tid);
    const lun = target.luns.find((l) => l.lun === VOLUME_LUN);
    if (lun && lun.backingPath !== backingPath) {
      await this.adm(['--lld', 'iscsi', '--op', 'delete', '--mode', 'logicalunit', '--tid', tid, '--lun', String(VOLUME_LUN)]);
    }
    if (!lun || lun.backingPath !== backingPath) {
      await this.adm([
        '--lld', 'iscsi', '--op', 'new', '--mode', 'logicalunit', '--tid', tid, '--lun', String(VOLUME_LUN), '-b', backingPath,
      ]);
    }
    if (!target.acls.includes('ALL')) {
      await this.adm(['--lld', 'iscsi', '--op', 'bind', '--mode', 'target', '--tid', tid, '-I', 'ALL']);
    }
    return target.tid;
  }

  async removeTarget(iqn: string): Promise<void> {
    const target = (await this.targets()).find((t) => t.iqn === iqn);
    if (target) await this.deleteTid(target.tid);
  }

  private async deleteTid(tid: number): Promise<void> {
    try {
      await this.adm(['--lld', 'iscsi', '--op', 'delete', '--mode', 'target', '--tid', String(tid), '--force']);
    } catch (err) {
      if (!(err instanceof CommandError && /can't find the target/.test(err.stderr))) throw err;
    }
  }
}


function portalOpen(portal: string): Promise<boolean> {
  const i = portal.lastIndexOf(':');
  const host = portal.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(portal.slice(i + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
