import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CEPH_PACKAGES, ensurePackagesAsync } from '../../scripts/ensure-packages.js';

/**
 * A throwaway single-node Ceph (one mon, one mgr, one memstore OSD, auth off) in a temp
 * directory on private ports, for tests of the RBD volume driver and image store. Follows
 * /work/shared/recipes/storage.md section 1. Daemons daemonize and write pid files under
 * <dir>/run, which is how stop() (and a test run's global teardown) finds them.
 *
 * The machine is a shared 2-core box: every wait is on a condition with a generous deadline,
 * never a fixed sleep.
 */
export interface CephCluster {
  readonly dir: string;
  readonly conf: string;
  readonly fsid: string;
  /** 127.0.0.1 and the msgr v1 port (what connection info advertises). */
  readonly monHost: string;
  readonly monPort: number;
  readonly pools: readonly string[];
  /** Runs the `ceph` CLI against this cluster and returns stdout. */
  ceph(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

const MEMSTORE_BYTES = 4 * 1024 ** 3;

/** Installs the Ceph daemons and CLIs with apt when missing (about two minutes). */
export function ensureCephInstalled(): Promise<void> {
  return ensurePackagesAsync(CEPH_PACKAGES);
}

export interface StartCephOptions {
  /** Pools to create (rbd application enabled, 8 PGs, autoscaler off). */
  pools?: readonly string[];
  /** Parent of the cluster's directory (default: the OS temp dir). */
  parentDir?: string;
}

export async function startCeph(opts: StartCephOptions = {}): Promise<CephCluster> {
  await ensureCephInstalled();
  const pools = opts.pools ?? ['rbd'];
  const dir = fs.mkdtempSync(path.join(opts.parentDir ?? os.tmpdir(), 'strata-ceph-'));
  const conf = path.join(dir, 'ceph.conf');
  const fsid = randomUUID();
  const [v2Port, v1Port] = (await freePorts(2)) as [number, number];
  const monAddrs = `[v2:127.0.0.1:${v2Port},v1:127.0.0.1:${v1Port}]`;
  for (const d of ['mon', 'mgr', 'run', 'log']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(conf, cephConf(dir, fsid, monAddrs));

  const cluster = clusterHandle(dir, conf, fsid, v1Port, pools);
  try {
    const keyring = path.join(dir, 'keyring');
    const monmap = path.join(dir, 'monmap');
    await run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('monmaptool', ['--create', '--addv', 'a', monAddrs, '--fsid', fsid, monmap]);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', keyring]);
    await run('ceph-mon', ['-c', conf, '-i', 'a']);
    await waitFor('the monitor to answer', 120_000, async () => {
      await cluster.ceph(['mon', 'stat']);
      return true;
    });
    await run('ceph-mgr', ['-c', conf, '-i', 'x']);
    const osdUuid = randomUUID();
    const osdId = (await cluster.ceph(['osd', 'new', osdUuid])).trim();
    fs.mkdirSync(path.join(dir, `osd${osdId}`));
    await run('ceph-osd', ['-c', conf, '-i', osdId, '--mkfs', '--osd-uuid', osdUuid], { timeoutMs: 120_000 });
    await run('ceph-osd', ['-c', conf, '-i', osdId]);
    await waitFor('the OSD to be up', 180_000, async () => {
      const stat = JSON.parse(await cluster.ceph(['osd', 'stat', '-f', 'json'])) as { num_up_osds?: number };
      return stat.num_up_osds === 1;
    });
    for (const pool of pools) {
      await cluster.ceph(['osd', 'pool', 'create', pool, '8', '8', '--autoscale-mode=off']);
      await cluster.ceph(['osd', 'pool', 'application', 'enable', pool, 'rbd']);
    }
    // PGs peer only once the mgr reports them (it needs ~20 s to come up): wait until every
    // PG of every pool is active+clean, comparing totals rather than a fixed count.
    await waitFor('all placement groups to be active+clean', 300_000, async () => {
      const out = JSON.parse(await cluster.ceph(['pg', 'stat', '-f', 'json'])) as { pg_summary?: PgStat } & PgStat;
      const stat = out.pg_summary ?? out;
      const total = stat.num_pgs ?? 0;
      const clean = (stat.num_pg_by_state ?? []).find((s) => s.name === 'active+clean')?.num ?? 0;
      return total >= pools.length * 8 && clean === total;
    });
    return cluster;
  } catch (err) {
    const logs = tailLogs(dir);
    await cluster.stop();
    throw new Error(`Ceph did not start: ${(err as Error).message}\n${logs}`);
  }
}

interface PgStat {
  num_pgs?: number;
  num_pg_by_state?: { name: string; num: number }[];
}

/** Ends the daemons of a cluster directory by their pid files and removes the directory. */
export async function stopCephDir(dir: string): Promise<void> {
  const runDir = path.join(dir, 'run');
  const pids = fs.existsSync(runDir)
    ? fs
        .readdirSync(runDir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(fs.readFileSync(path.join(runDir, f), 'utf8').trim()))
        .filter((pid) => Number.isInteger(pid) && pid > 0)
    : [];
  for (const pid of pids) signal(pid, 'SIGTERM');
  // A throwaway cluster needs no clean shutdown: whatever has not exited within a few
  // seconds is killed, which keeps this inside Vitest's 10 s teardown limit.
  const deadline = Date.now() + 4_000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(200);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}

function clusterHandle(dir: string, conf: string, fsid: string, monPort: number, pools: readonly string[]): CephCluster {
  return {
    dir,
    conf,
    fsid,
    monHost: '127.0.0.1',
    monPort,
    pools,
    ceph: (args) => run('ceph', ['-c', conf, '--connect-timeout', '15', ...args], { timeoutMs: 60_000 }),
    stop: () => stopCephDir(dir),
  };
}

function cephConf(dir: string, fsid: string, monAddrs: string): string {
  return `[global]
fsid = ${fsid}
mon host = ${monAddrs}
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
osd crush chooseleaf type = 0
run dir = ${dir}/run
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
keyring = ${dir}/keyring
client mount timeout = 60
[mon]
admin socket = ${dir}/run/$name.asok
mon data = ${dir}/mon/$id
[mgr]
admin socket = ${dir}/run/$name.asok
mgr data = ${dir}/mgr/$id
[osd]
admin socket = ${dir}/run/$name.asok
osd data = ${dir}/osd$id
osd objectstore = memstore
memstore device bytes = ${MEMSTORE_BYTES}
`;
}

// ---- shared cluster for a test run ----------------------------------------------------

/** Set by the global setup: the directory where the run's one shared cluster lives. */
export const SHARED_CEPH_ENV = 'STRATA_CEPH_SHARED_DIR';

interface SharedInfo {
  dir: string;
  conf: string;
  fsid: string;
  monHost: string;
  monPort: number;
  pools: string[];
}

/** Pools the shared cluster has: one for volumes, one for images (as Cinder and Glance use). */
export const SHARED_POOLS = ['volumes', 'images'] as const;

/**
 * The test run's one Ceph cluster, started by the first test file that asks for it (test
 * files run in separate worker processes; the daemons outlive the worker) and stopped by
 * the global teardown. Without the global setup (a test file run on its own with another
 * config) each call starts a private cluster, and `release` stops it.
 */
export async function sharedCeph(): Promise<{ cluster: CephCluster; release: () => Promise<void> }> {
  const existing = process.env[EXISTING_CEPH_ENV];
  if (existing) return { cluster: await attachCeph(existing), release: async () => {} };
  const root = process.env[SHARED_CEPH_ENV];
  if (!root) {
    const cluster = await startCeph({ pools: SHARED_POOLS });
    return { cluster, release: () => cluster.stop() };
  }
  const infoFile = path.join(root, 'cluster.json');
  const lock = path.join(root, 'starting');
  let owner = false;
  try {
    fs.mkdirSync(lock);
    owner = true;
  } catch {
    // another worker is starting it, or has
  }
  if (owner) {
    try {
      const c = await startCeph({ pools: SHARED_POOLS, parentDir: root });
      const info: SharedInfo = { dir: c.dir, conf: c.conf, fsid: c.fsid, monHost: c.monHost, monPort: c.monPort, pools: [...c.pools] };
      fs.writeFileSync(`${infoFile}.tmp`, JSON.stringify(info));
      fs.renameSync(`${infoFile}.tmp`, infoFile);
    } catch (err) {
      fs.writeFileSync(path.join(root, 'failed'), (err as Error).message);
      throw err;
    }
  }
  await waitFor('the shared Ceph cluster', 20 * 60_000, async () => {
    if (fs.existsSync(path.join(root, 'failed'))) {
      throw new Error(`shared Ceph failed to start: ${fs.readFileSync(path.join(root, 'failed'), 'utf8')}`);
    }
    return fs.existsSync(infoFile);
  }, 500);
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as SharedInfo;
  const cluster = clusterHandle(info.dir, info.conf, info.fsid, info.monPort, info.pools);
  // stopping is the global teardown's job: other files may still use it
  return { cluster, release: async () => {} };
}

/** Set by a developer to run the Ceph tests against a running cluster (its ceph.conf). */
export const EXISTING_CEPH_ENV = 'STRATA_TEST_CEPH_CONF';

/** A handle on a running cluster (never stopped by the tests); creates missing test pools. */
async function attachCeph(conf: string): Promise<CephCluster> {
  const probe = clusterHandle(path.dirname(conf), conf, '', 0, SHARED_POOLS);
  const { fsid } = JSON.parse(await probe.ceph(['fsid', '-f', 'json'])) as { fsid: string };
  type Mon = { public_addrs?: { addrvec?: { type: string; addr: string }[] } };
  const dump = JSON.parse(await probe.ceph(['mon', 'dump', '-f', 'json'])) as { mons: Mon[] };
  const v1 = dump.mons[0]?.public_addrs?.addrvec?.find((a) => a.type === 'v1')?.addr ?? ':0';
  const pools = JSON.parse(await probe.ceph(['osd', 'pool', 'ls', '-f', 'json'])) as string[];
  for (const pool of SHARED_POOLS.filter((p) => !pools.includes(p))) {
    await probe.ceph(['osd', 'pool', 'create', pool, '8', '8', '--autoscale-mode=off']);
    await probe.ceph(['osd', 'pool', 'application', 'enable', pool, 'rbd']);
  }
  const cluster = clusterHandle(path.dirname(conf), conf, fsid, Number(v1.slice(v1.lastIndexOf(':') + 1)), SHARED_POOLS);
  return { ...cluster, monHost: v1.slice(0, v1.lastIndexOf(':')), stop: async () => {} };
}

/** Stops whatever shared cluster was started under `root` (global teardown). */
export async function stopSharedCeph(root: string): Promise<void> {
  if (!fs.existsSync(root)) return;
  const clusters = fs.readdirSync(root).filter((entry) => entry.startsWith('strata-ceph-'));
  await Promise.all(clusters.map((entry) => stopCephDir(path.join(root, entry))));
  fs.rmSync(root, { recursive: true, force: true });
}

// ---- small helpers ----------------------------------------------------------------------

function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 300): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if ((err as Error).message.startsWith('shared Ceph failed')) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      servers.push(s);
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });
  // hold all of them open together so the n ports differ, then release them for Ceph
  return Promise.all(Array.from({ length: n }, one)).finally(() => {
    for (const s of servers) s.close();
  });
}

function tailLogs(dir: string): string {
  const logDir = path.join(dir, 'log');
  if (!fs.existsSync(logDir)) return '';
  return fs
    .readdirSync(logDir)
    .map((f) => {
      const lines = fs.readFileSync(path.join(logDir, f), 'utf8').trimEnd().split('\n');
      return `--- ${f}\n${lines.slice(-15).join('\n')}`;
    })
    .join('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

