// Side-by-side CPU probe (not part of the report): strata servers from several source trees
// (ROOTS=dir,dir), uploads and cold downloads alternating between them, CPU per GiB split by
// thread, peak RSS. `node --import tsx bench/image/probe.ts` with SIZES, REPS, DOWN=0, CPU_PROF.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { HttpClient } from '../lib/http-client.ts';
import { openSession } from '../lib/openstack-session.ts';
import { evictFromPageCache } from '../lib/disk-io.ts';
import { CleanupStack } from '../targets/cleanup.ts';
import { freePort } from '../targets/free-port.ts';
import { startStrata } from '../targets/strata-server.ts';
import { ImageApi } from './image-api.ts';

const MiB = 1 << 20;
const roots = (process.env.ROOTS ?? '/work/main').split(',');
const sizes = (process.env.SIZES ?? '256,1024').split(',').map(Number);
const reps = Number(process.env.REPS ?? 2);

function threads(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main' : `${comm}:${tid}`;
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      /* gone */
    }
  }
  return out;
}
function diff(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d > 0.005) o[k] = Math.round(d * 100) / 100;
  }
  return o;
}
function hwm(pid: number): string {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return `${Number(s.match(/VmHWM:\s+(\d+)/)![1]) >> 10}MiB/${Number(s.match(/VmRSS:\s+(\d+)/)![1]) >> 10}MiB`;
}

const cleanup = new CleanupStack();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-probe-'));
try {
  const servers = [];
  for (const [i, root] of roots.entries()) {
    const storeDir = path.join(work, `store-${i}`);
    const s = await startStrata({
      sourceRoot: root,
      workDir: work,
      dataDirName: `data-${i}`,
      hashRounds: 4,
      cleanup,
      cpuProfileDir: process.env.CPU_PROF,
      env: {
        STRATA_IMAGE__PORT: String(await freePort()),
        STRATA_IMAGE__FILESYSTEM_STORE_DATADIR: storeDir,
        STRATA_PLACEMENT__PORT: String(await freePort()),
        STRATA_BLOCK_STORAGE__PORT: String(await freePort()),
        STRATA_BLOCK_STORAGE__ENABLED_BACKENDS: 'fake',
        ...(process.env.SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVER_NODE_OPTIONS } : {}),
      },
    });
    const c = new HttpClient(s.credentials.authUrl, 1);
    const sess = await openSession(c, s.credentials).finally(() => c.close());
    console.log(`${root} pid ${s.processIds()[0]} rss at start ${hwm(s.processIds()[0]!)}`);
    servers.push({ root, pid: s.processIds()[0]!, api: new ImageApi(sess.endpoint('image'), sess.token), storeDir });
  }
  for (const size of sizes) {
    const src = fs.mkdtempSync('/dev/shm/strata-probe-');
    const file = path.join(src, 'src.bin');
    const fd = fs.openSync(file, 'w');
    const b = Buffer.alloc(4 * MiB);
    for (let left = size * MiB; left > 0; left -= b.length) fs.writeSync(fd, randomFillSync(b));
    fs.closeSync(fd);
    for (let r = 0; r < reps; r++) {
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const img = await s.api.create('probe');
        let t0 = threads(s.pid);
        const up = await s.api.upload(img.id, file);
        const upCpu = diff(t0, threads(s.pid));
        await evictFromPageCache(path.join(s.storeDir, img.id));
        t0 = threads(s.pid);
        const down = process.env.DOWN === '0' ? { seconds: 1 } : await s.api.download(img.id, size * MiB);
        const downCpu = diff(t0, threads(s.pid));
        const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
        const gib = size / 1024;
        console.log(
          `${path.basename(s.root)} ${size}MiB #${r} load ${os.loadavg()[0]!.toFixed(1)} | up ${(size / up.seconds).toFixed(0)} MiB/s ${(sum(upCpu) / gib).toFixed(2)} cpu-s/GiB ${JSON.stringify(upCpu)} | down ${(size / down.seconds).toFixed(0)} MiB/s ${(sum(downCpu) / gib).toFixed(2)} cpu-s/GiB ${JSON.stringify(downCpu)} | rss ${hwm(s.pid)}`,
        );
        await s.api.delete(img.id);
      }
    }
    fs.rmSync(src, { recursive: true, force: true });
  }
  for (const s of servers) s.api.close();
} finally {
  await cleanup.runAll();
  fs.rmSync(work, { recursive: true, force: true });
}
