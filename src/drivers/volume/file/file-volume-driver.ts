import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../../../core/observability/index.ts';
import type {
  BackendStats,
  ConnectionInfo,
  Connector,
  ProviderLocation,
  SnapshotRef,
  VolumeDriver,
  VolumeRef,
} from '../../../services/block-storage/drivers.ts';
import { collectFrozenFiles } from './chain-gc.ts';
import { commandWorks } from './command.ts';
import { readQcow2Header } from './qcow2-header.ts';
import { IMAGE_DISK_FORMATS, qemuDriverForDiskFormat, qemuImg, type VolumeFileFormat } from './qemu-img.ts';
import { Serial } from './serial.ts';
import { writeSparseFile } from './sparse-file.ts';
import { TgtDaemon, VOLUME_LUN } from './tgt.ts';
import { targetIqn, VolumeExports } from './volume-exports.ts';
import { VolumeFiles, type LocatedFile } from './volume-files.ts';

const GiB = 1024 ** 3;

export interface FileVolumeDriverOptions {
  readonly backendName: string;
  /** Directory holding the volume files (created at start). */
  readonly dir: string;
  /** Format of new volumes; qcow2 gives copy-on-write snapshots and clones. */
  readonly format: VolumeFileFormat;
  /** Capacity to report in GiB; 0 reports the filesystem's size and free space. */
  readonly capacityGb?: number;
  /** Export over iSCSI with tgt; without it connections are of type `file`. */
  readonly iscsi?: { readonly portal: string; readonly controlPort: number } | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Volumes as qcow2 or raw files in one directory, exported with the userspace tgt iSCSI
 * target. qcow2 snapshots and clones are copy-on-write: the volume's current file is
 * frozen (hard-linked under a frozen-* name and never written again) and the volume goes on
 * in a new overlay backed by it; snapshots are symlinks to frozen files, and frozen files
 * nothing needs are merged away (chain-gc.ts). Raw volumes use full sparse copies.
 * See docs/block-storage-backends.md.
 *
 * Chain changes run one at a time (`serial`); long data copies (image conversion, restore)
 * run outside it into tmp files that are renamed into place under it.
 */
export class FileVolumeDriver implements VolumeDriver {
  readonly backendName: string;
  readonly imageDiskFormats = IMAGE_DISK_FORMATS;
  private readonly files: VolumeFiles;
  private readonly tgt: TgtDaemon | undefined;
  private readonly exports: VolumeExports;
  private readonly serial = new Serial();

  constructor(private readonly opts: FileVolumeDriverOptions) {
    this.backendName = opts.backendName;
    this.files = new VolumeFiles(path.resolve(opts.dir));
    this.tgt = opts.iscsi
      ? new TgtDaemon({ portal: opts.iscsi.portal, controlPort: opts.iscsi.controlPort, stateDir: path.join(this.files.dir, 'exports') })
      : undefined;
    this.exports = new VolumeExports(this.files, this.tgt);
  }

  async start(): Promise<void> {
    await requireCommand('qemu-img', ['--version'], 'qemu-utils');
    if (this.tgt) {
      await requireCommand('tgtd', ['--help'], 'tgt');
      await requireCommand('tgtadm', ['-V'], 'tgt');
      await requireCommand('qemu-storage-daemon', ['--version'], 'qemu-system-common');
    }
    await fs.mkdir(this.files.dir, { recursive: true });
    await this.serial.run(async () => {
      await this.files.removeTmpFiles();
      await this.exports.load();
      if (this.tgt) {
        await this.tgt.start();
        await this.exports.serveAll();
      }
      await this.collect();
    });
  }

  async stop(): Promise<void> {
    if (!this.tgt) return;
    const tgt = this.tgt;
    await this.serial.run(async () => {
      await this.exports.unserveAll();
      await tgt.stop();
    });
  }

  async stats(): Promise<BackendStats> {
    let provisioned = 0;
    let allocated = 0;
    for (const entry of await fs.readdir(this.files.dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = this.files.at(entry.name);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) continue;
      allocated += st.blocks * 512;
      const m = /^volume-.+\.(qcow2|raw)$/.exec(entry.name);
      if (m) provisioned += await virtualSize({ path: file, format: m[1] as VolumeFileFormat }).catch(() => 0);
    }
    let total: number;
    let free: number;
    if (this.opts.capacityGb) {
      total = this.opts.capacityGb;
      free = Math.max(0, total - allocated / GiB);
    } else {
      const fsStats = await fs.statfs(this.files.dir);
      total = (fsStats.blocks * fsStats.bsize) / GiB;
      free = (fsStats.bavail * fsStats.bsize) / GiB;
    }
    return {
      backendName: this.backendName,
      storageProtocol: this.tgt ? 'iSCSI' : 'file',
      vendorName: 'strata',
      driverVersion: '1.0',
      totalCapacityGb: round2(total),
      freeCapacityGb: round2(free),
      provisionedCapacityGb: round2(provisioned / GiB),
      thinProvisioning: true,
      multiattach: true,
      extra: { volume_file_format: this.opts.format, copy_on_write: this.opts.format === 'qcow2' },
    };
  }

  async createVolume(volume: VolumeRef): Promise<ProviderLocation> {
    return this.serial.run(async () => {
      const existing = await this.files.findVolume(volume.id);
      if (existing) return location(existing);
      const tmp = this.files.newTmpName(this.opts.format);
      await createEmpty(this.files.at(tmp), this.opts.format, volume.sizeGb * GiB);
      return this.place(tmp, volume.id, this.opts.format);
    });
  }

  async createVolumeFromSnapshot(volume: VolumeRef, snapshot: SnapshotRef): Promise<ProviderLocation> {
    return this.serial.run(async () => {
      const existing = await this.files.findVolume(volume.id);
      if (existing) return location(existing);
      const snap = await this.files.findSnapshot(snapshot.id);
      if (!snap) throw new Error(`file backend has no snapshot ${snapshot.id}`);
      if (snap.frozen) {
        const base = await readQcow2Header(this.files.at(snap.frozen));
        return this.overlay(volume.id, snap.frozen, Math.max(base.virtualSize, volume.sizeGb * GiB));
      }
      return this.copy(volume, snap);
    });
  }

  async cloneVolume(volume: VolumeRef, source: VolumeRef): Promise<ProviderLocation> {
    return this.serial.run(async () => {
      const existing = await this.files.findVolume(volume.id);
      if (existing) return location(existing);
      const src = await this.files.needVolume(source.id);
      if (src.format !== 'qcow2' || this.exports.isConnected(source.id)) return this.copy(volume, src);
      const { frozen, size } = await this.freeze(src);
      return this.overlay(volume.id, frozen, Math.max(size, volume.sizeGb * GiB));
    });
  }

  async createVolumeFromImage(
    volume: VolumeRef,
    image: { data: Readable; diskFormat: string; sizeBytes: number },
  ): Promise<ProviderLocation> {
    const existing = await this.files.findVolume(volume.id);
    if (existing) {
      image.data.destroy();
      return location(existing);
    }
    const driver = qemuDriverForDiskFormat(image.diskFormat);
    if (!driver) {
      image.data.destroy();
      throw new Error(`the file backend cannot convert images of disk format ${image.diskFormat}`);
    }
    const tmpImage = this.files.at(this.files.newTmpName('image'));
    const tmpVolume = this.files.newTmpName(this.opts.format);
    try {
      const received = await writeSparseFile(image.data, tmpImage);
      if (image.sizeBytes > 0 && received !== image.sizeBytes) {
        throw new Error(`image data ended after ${received} of ${image.sizeBytes} bytes`);
      }
      const info = await qemuImg.info(tmpImage, driver);
      // an image naming a backing or data file would make qemu read files of our choosing
      if (info.backingFile || info.dataFile) throw new Error('image data refers to another file (backing or data file); refused');
      if (info.virtualSize > volume.sizeGb * GiB) {
        throw new Error(`image virtual size ${info.virtualSize} bytes does not fit a ${volume.sizeGb} GiB volume`);
      }
      await qemuImg.convert({ file: tmpImage, format: driver }, { file: this.files.at(tmpVolume), format: this.opts.format });
      await grow({ path: this.files.at(tmpVolume), format: this.opts.format }, volume.sizeGb * GiB);
      return await this.serial.run(async () => {
        const raced = await this.files.findVolume(volume.id);
        if (raced) return location(raced);
        return this.place(tmpVolume, volume.id, this.opts.format);
      });
    } finally {
      await fs.rm(tmpImage, { force: true });
      await fs.rm(this.files.at(tmpVolume), { force: true });
    }
  }

  async readVolume(volume: VolumeRef): Promise<Readable> {
    const file = await this.files.needVolume(volume.id);
    const tmp = this.files.at(this.files.newTmpName('raw'));
    let source = file.path;
    if (file.format === 'qcow2') {
      await qemuImg.convert({ file: file.path, format: 'qcow2' }, { file: tmp, format: 'raw' }, { shared: true });
      source = tmp;
    }
    const fh = await fs.open(source, 'r');
    // the open handle keeps the converted data; the name can go at once
    await fs.rm(tmp, { force: true });
    return fh.createReadStream({ highWaterMark: 1024 * 1024 });
  }

  async writeVolume(volume: VolumeRef, data: Readable): Promise<void> {
    const file = await this.files.needVolume(volume.id);
    if (this.exports.isConnected(volume.id)) {
      data.destroy();
      throw new Error(`volume ${volume.id} is connected; its content cannot be replaced`);
    }
    const size = Math.max(await virtualSize(file), volume.sizeGb * GiB);
    const tmpRaw = this.files.newTmpName('raw');
    const tmpQcow2 = this.files.newTmpName('qcow2');
    try {
      await writeSparseFile(data, this.files.at(tmpRaw), { maxBytes: size });
      let ready = tmpRaw;
      if (file.format === 'qcow2') {
        await qemuImg.convert({ file: this.files.at(tmpRaw), format: 'raw' }, { file: this.files.at(tmpQcow2), format: 'qcow2' });
        ready = tmpQcow2;
      }
      await grow({ path: this.files.at(ready), format: file.format }, size);
      await this.serial.run(async () => {
        await this.files.place(ready, file.name);
        await this.collect();
      });
    } finally {
      await fs.rm(this.files.at(tmpRaw), { force: true });
      await fs.rm(this.files.at(tmpQcow2), { force: true });
    }
  }

  async deleteVolume(volume: VolumeRef): Promise<void> {
    await this.serial.run(async () => {
      await this.exports.disconnect(volume.id, undefined);
      for (const format of ['qcow2', 'raw'] as const) await fs.rm(this.files.at(this.files.volumeName(volume.id, format)), { force: true });
      await this.collect();
    });
  }

  async extendVolume(volume: VolumeRef, newSizeGb: number): Promise<void> {
    await this.serial.run(async () => {
      await grow(await this.files.needVolume(volume.id), newSizeGb * GiB);
    });
  }

  async createSnapshot(snapshot: SnapshotRef): Promise<ProviderLocation> {
    return this.serial.run(async () => {
      const existing = await this.files.findSnapshot(snapshot.id);
      if (existing) return location(existing);
      const src = await this.files.needVolume(snapshot.volume.id);
      if (src.format === 'raw') {
        const tmp = this.files.newTmpName('raw');
        await qemuImg.convert({ file: src.path, format: 'raw' }, { file: this.files.at(tmp), format: 'raw' }, { shared: true });
        const name = this.files.snapshotName(snapshot.id, 'raw');
        await this.files.place(tmp, name);
        return location({ path: this.files.at(name), name, format: 'raw' });
      }
      let frozen: string;
      if (this.exports.isConnected(snapshot.volume.id)) {
        // its file is open elsewhere and must stay where it is: copy instead of freezing
        const tmp = this.files.newTmpName('qcow2');
        await qemuImg.convert({ file: src.path, format: 'qcow2' }, { file: this.files.at(tmp), format: 'qcow2' }, { shared: true });
        frozen = this.files.newFrozenName();
        await this.files.place(tmp, frozen);
      } else {
        frozen = (await this.freeze(src)).frozen;
      }
      const link = this.files.newTmpName('qcow2');
      await fs.symlink(frozen, this.files.at(link));
      const name = this.files.snapshotName(snapshot.id, 'qcow2');
      await this.files.place(link, name);
      return location({ path: this.files.at(name), name, format: 'qcow2' });
    });
  }

  async deleteSnapshot(snapshot: SnapshotRef): Promise<void> {
    await this.serial.run(async () => {
      const snap = await this.files.findSnapshot(snapshot.id);
      if (snap) await fs.rm(snap.path, { force: true });
      await this.collect();
    });
  }

  async initializeConnection(volume: VolumeRef, connector: Connector): Promise<ConnectionInfo> {
    return this.serial.run(async () => {
      const file = await this.files.needVolume(volume.id);
      await this.exports.connect(volume.id, file, connectorKey(connector) ?? '*');
      const common = { volume_id: volume.id, access_mode: 'rw', encrypted: false };
      if (this.opts.iscsi) {
        return {
          driver_volume_type: 'iscsi',
          data: {
            ...common,
            target_discovered: false,
            target_portal: this.opts.iscsi.portal,
            target_iqn: targetIqn(volume.id),
            target_lun: VOLUME_LUN,
            auth_method: 'none',
          },
        };
      }
      return { driver_volume_type: 'file', data: { ...common, path: file.path, format: file.format } };
    });
  }

  async terminateConnection(volume: VolumeRef, connector: Connector): Promise<void> {
    await this.serial.run(async () => {
      await this.exports.disconnect(volume.id, connectorKey(connector));
      await this.collect();
    });
  }

  /** The directory, for tests that inspect files (qemu-img check of every one). */
  get directory(): string {
    return this.files.dir;
  }

  /**
   * Freezes a qcow2 volume's current content: its file gets a frozen-* name (hard link, so
   * the volume name never disappears) and a new empty overlay on it takes the volume name.
   * An overlay with nothing written since the last freeze reuses that frozen file, so
   * repeated clones and snapshots of an idle volume do not lengthen its chain.
   */
  private async freeze(src: LocatedFile): Promise<{ frozen: string; size: number }> {
    const header = await readQcow2Header(src.path);
    if (header.backingFile?.startsWith('frozen-')) {
      const base = await readQcow2Header(this.files.at(header.backingFile));
      if (base.virtualSize === header.virtualSize && (await qemuImg.allocatedClusters(src.path)) === 0) {
        return { frozen: header.backingFile, size: header.virtualSize };
      }
    }
    const frozen = this.files.newFrozenName();
    await fs.link(src.path, this.files.at(frozen));
    const tmp = this.files.newTmpName('qcow2');
    await qemuImg.create(this.files.at(tmp), 'qcow2', header.virtualSize, { file: frozen, format: 'qcow2' });
    await this.files.place(tmp, src.name);
    return { frozen, size: header.virtualSize };
  }

  private async overlay(volumeId: string, frozen: string, sizeBytes: number): Promise<ProviderLocation> {
    const tmp = this.files.newTmpName('qcow2');
    await qemuImg.create(this.files.at(tmp), 'qcow2', sizeBytes, { file: frozen, format: 'qcow2' });
    return this.place(tmp, volumeId, 'qcow2');
  }

  /** A new volume as a full copy of `source` (raw sources, connected sources). */
  private async copy(volume: VolumeRef, source: LocatedFile): Promise<ProviderLocation> {
    const tmp = this.files.newTmpName(this.opts.format);
    try {
      await qemuImg.convert({ file: source.path, format: source.format }, { file: this.files.at(tmp), format: this.opts.format }, { shared: true });
      await grow({ path: this.files.at(tmp), format: this.opts.format }, volume.sizeGb * GiB);
      return await this.place(tmp, volume.id, this.opts.format);
    } finally {
      await fs.rm(this.files.at(tmp), { force: true });
    }
  }

  private async place(tmp: string, volumeId: string, format: VolumeFileFormat): Promise<ProviderLocation> {
    const name = this.files.volumeName(volumeId, format);
    await this.files.place(tmp, name);
    return location({ path: this.files.at(name), name, format });
  }

  private async collect(): Promise<void> {
    await collectFrozenFiles({
      files: this.files,
      inUse: (name) => this.exports.fileInUse(name),
      onSkip: (file, err) => this.opts.logger?.warn({ file, err: String(err) }, 'file backend: frozen file kept for now'),
    });
  }
}

function location(file: LocatedFile): ProviderLocation {
  return { path: file.path, format: file.format };
}

function connectorKey(connector: Connector): string | undefined {
  const key = connector.initiator ?? connector.host ?? connector.ip;
  return typeof key === 'string' && key ? key : undefined;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

async function virtualSize(file: Pick<LocatedFile, 'path' | 'format'>): Promise<number> {
  if (file.format === 'qcow2') return (await readQcow2Header(file.path)).virtualSize;
  return (await fs.stat(file.path)).size;
}

/** Grows a volume file to `sizeBytes`; never shrinks (extend is idempotent). */
async function grow(file: Pick<LocatedFile, 'path' | 'format'>, sizeBytes: number): Promise<void> {
  if ((await virtualSize(file)) >= sizeBytes) return;
  if (file.format === 'qcow2') await qemuImg.resize(file.path, 'qcow2', sizeBytes);
  else await fs.truncate(file.path, sizeBytes);
}

async function createEmpty(file: string, format: VolumeFileFormat, sizeBytes: number): Promise<void> {
  if (format === 'qcow2') return qemuImg.create(file, 'qcow2', sizeBytes);
  const fh = await fs.open(file, 'wx');
  try {
    await fh.truncate(sizeBytes);
  } finally {
    await fh.close();
  }
}

async function requireCommand(command: string, args: readonly string[], debianPackage: string): Promise<void> {
  if (!(await commandWorks(command, args))) {
    throw new Error(`the file volume backend needs ${command} (Debian package ${debianPackage}); install it with apt-get`);
  }
}
