import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionInfo } from '../../../services/block-storage/drivers.ts';
import { run } from './command.ts';
import { FileVolumeDriver, type FileVolumeDriverOptions } from './file-volume-driver.ts';
import { qemuImg } from './qemu-img.ts';

/**
 * Test support for the file backend: a driver in a temp directory, a whole-directory
 * consistency check, and reading a volume back through its connection info the way a
 * hypervisor would (QEMU's iscsi:// driver, or the file itself).
 */
export function tempFileDriver(opts: Partial<FileVolumeDriverOptions> = {}): { driver: FileVolumeDriver; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-file-backend-'));
  const driver = new FileVolumeDriver({ backendName: 'file', dir, format: 'qcow2', ...opts });
  return { driver, dir };
}

/**
 * Every file in the backend directory is valid (`qemu-img check`), every snapshot link
 * resolves, every backing file exists, and no work-in-progress file is left behind.
 */
export async function checkBackendDirectory(dir: string): Promise<void> {
  const problems: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.name.startsWith('tmp-')) problems.push(`leftover ${entry.name}`);
    if (entry.isSymbolicLink()) {
      if (!fs.existsSync(p)) problems.push(`dangling snapshot link ${entry.name}`);
      continue;
    }
    if (!entry.isFile()) continue;
    const format = entry.name.endsWith('.qcow2') ? 'qcow2' : entry.name.endsWith('.raw') ? 'raw' : undefined;
    if (!format) continue;
    try {
      // check opens the whole backing chain, so a missing backing file fails it too
      if (format === 'qcow2') await qemuImg.check(p, format);
      else await qemuImg.info(p, format, { shared: true });
    } catch (err) {
      problems.push(`${entry.name}: ${String(err)}`);
    }
  }
  if (problems.length) throw new Error(`file backend directory ${dir} is inconsistent:\n${problems.join('\n')}`);
}

/** The first `length` bytes of a volume, read through its connection info with qemu-img. */
export async function readThroughConnection(info: ConnectionInfo, length: number): Promise<Buffer> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-read-'));
  try {
    let source: string;
    let format: string;
    if (info.driver_volume_type === 'iscsi') {
      source = `iscsi://${String(info.data.target_portal)}/${String(info.data.target_iqn)}/${String(info.data.target_lun)}`;
      format = 'raw';
    } else if (info.driver_volume_type === 'file') {
      source = String(info.data.path);
      format = String(info.data.format);
    } else {
      throw new Error(`cannot read connections of type ${info.driver_volume_type}`);
    }
    const target = path.join(out, 'head.raw');
    await run('qemu-img', ['dd', '-f', format, '-O', 'raw', `bs=${length}`, 'count=1', `if=${source}`, `of=${target}`], { timeoutMs: 120_000 });
    return fs.readFileSync(target).subarray(0, length);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Size in bytes an iSCSI LUN reports (libiscsi's iscsi-readcapacity16). */
export async function iscsiCapacity(info: ConnectionInfo): Promise<number> {
  const url = `iscsi://${String(info.data.target_portal)}/${String(info.data.target_iqn)}/${String(info.data.target_lun)}`;
  const out = await run('iscsi-readcapacity16', [url], { timeoutMs: 60_000 });
  const m = /Total size:\s*(\d+)/.exec(out);
  if (!m) throw new Error(`unexpected iscsi-readcapacity16 output: ${out}`);
  return Number(m[1]);
}

/** A free TCP port on 127.0.0.1 (for tgtd's portal and control port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Everything left in a backend directory besides connection state (`exports/`): once every
 * volume and snapshot is deleted, any volume, snapshot or frozen file is a leak. Frozen
 * files carry no volume id, so the directory is checked whole.
 */
export function backendLeftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name !== 'exports');
}
