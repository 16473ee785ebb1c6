import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePackages } from '../../../../scripts/ensure-packages.js';
import { describeVolumeDriverContract, pattern } from '../../../services/block-storage/test/volume-driver-contract.ts';
import { run } from './command.ts';
import { backendLeftovers, checkBackendDirectory, freePort, iscsiCapacity, readThroughConnection, tempFileDriver } from './file-driver-testing.ts';
import { isMounted } from './fuse-export.ts';
import { processAlive, waitFor } from './processes.ts';

const GiB = 1024 ** 3;

// tgt serves the LUNs; qcow2 volumes reach it through qemu-storage-daemon's FUSE export;
// libiscsi's tools and QEMU's iscsi:// driver (qemu-block-extra) read them back.
beforeAll(() => ensurePackages(['qemu-utils', 'tgt', 'qemu-system-common', 'libiscsi-bin', 'qemu-block-extra']), 20 * 60_000);

/** tgtd's control port is a unix socket index (0..32767), not a TCP port: any unused one. */
function freeControlPort(): number {
  for (;;) {
    const n = 1_000 + Math.floor(Math.random() * 31_000);
    if (!fs.existsSync(`/var/run/tgtd/socket.${n}`)) return n;
  }
}

async function iscsiDriver(format: 'qcow2' | 'raw') {
  const portal = `127.0.0.1:${await freePort()}`;
  return { portal, ...tempFileDriver({ format, iscsi: { portal, controlPort: freeControlPort() } }) };
}

for (const format of ['qcow2', 'raw'] as const) {
  describeVolumeDriverContract(`file (${format}, iSCSI with tgt)`, async () => {
    const { driver, dir } = await iscsiDriver(format);
    return {
      driver,
      readThroughConnection,
      verifyBackend: () => checkBackendDirectory(dir),
      leftovers: async () => backendLeftovers(dir),
      close: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  });
}

describe('file volume driver: iSCSI export lifecycle', () => {
  it('exports a qcow2 volume through FUSE and tgt, and brings the export back after a restart', async () => {
    const { driver, dir, portal } = await iscsiDriver('qcow2');
    await driver.start();
    try {
      const v = { id: randomUUID(), sizeGb: 1 };
      await driver.createVolume(v);
      await driver.writeVolume(v, Readable.from([pattern(7, 8192)]));
      const host = { host: 'compute-1', initiator: 'iqn.1993-08.org.debian:01:1111' };
      const info = await driver.initializeConnection(v, host);
      expect(info).toEqual({
        driver_volume_type: 'iscsi',
        data: {
          target_discovered: false,
          target_portal: portal,
          target_iqn: `iqn.2010-10.org.openstack:volume-${v.id}`,
          target_lun: 1,
          auth_method: 'none',
          volume_id: v.id,
          access_mode: 'rw',
          encrypted: false,
        },
      });
      expect(await iscsiCapacity(info)).toBe(GiB);
      const mount = path.join(dir, 'exports', `${v.id}.raw`);
      expect(isMounted(mount)).toBe(true);
      // `qemu-img info` over iSCSI: the LUN is the volume's raw view
      const remote = JSON.parse(
        await run('qemu-img', ['info', '--output=json', '-f', 'raw', `iscsi://${portal}/${String(info.data.target_iqn)}/1`]),
      ) as { 'virtual-size': number };
      expect(remote['virtual-size']).toBe(GiB);

      // writes over iSCSI land in the qcow2 file
      await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 1M 4k', `iscsi://${portal}/${String(info.data.target_iqn)}/1`]);
      await driver.stop();
      expect(isMounted(mount)).toBe(false);
      await run('qemu-io', ['-f', 'qcow2', '-r', '-c', 'read -P 0x5a 1M 4k', path.join(dir, `volume-${v.id}.qcow2`)]);

      // the connection is remembered: a restart serves it again
      await driver.start();
      expect((await readThroughConnection(info, 8192)).equals(pattern(7, 8192))).toBe(true);

      // strata died and took the FUSE daemon with it; tgtd lives on with a dead mount open
      const qsd = Number(fs.readFileSync(path.join(dir, 'exports', `${v.id}.qsd.pid`), 'utf8'));
      process.kill(qsd, 'SIGKILL');
      await waitFor(() => !processAlive(qsd), { timeoutMs: 10_000, what: 'qemu-storage-daemon to die' });
      await driver.start();
      expect((await readThroughConnection(info, 8192)).equals(pattern(7, 8192))).toBe(true);
      await driver.terminateConnection(v, host);
      expect(isMounted(mount)).toBe(false);
      await expect(readThroughConnection(info, 512)).rejects.toThrow();
      await driver.deleteVolume(v);
      await checkBackendDirectory(dir);
    } finally {
      await driver.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops serving when the volume is deleted while connected', async () => {
    const { driver, dir } = await iscsiDriver('raw');
    await driver.start();
    try {
      const v = { id: randomUUID(), sizeGb: 1 };
      await driver.createVolume(v);
      const info = await driver.initializeConnection(v, { host: 'compute-2' });
      expect(await iscsiCapacity(info)).toBe(GiB);
      await driver.deleteVolume(v);
      await expect(iscsiCapacity(info)).rejects.toThrow();
      expect(fs.readdirSync(path.join(dir, 'exports')).filter((n) => n.endsWith('.json'))).toEqual([]);
    } finally {
      await driver.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
