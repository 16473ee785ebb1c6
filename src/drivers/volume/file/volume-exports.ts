import fs from 'node:fs/promises';
import path from 'node:path';
import { startFuseExport, stopFuseExport } from './fuse-export.ts';
import type { TgtDaemon } from './tgt.ts';
import { assertSafeId, isNotFound, type LocatedFile, type VolumeFiles } from './volume-files.ts';

/** Cinder's default iscsi_target_prefix and volume_name_template. */
export const IQN_PREFIX = 'iqn.2010-10.org.openstack:';

export function targetIqn(volumeId: string): string {
  return `${IQN_PREFIX}volume-${volumeId}`;
}

/** Who holds a volume open: persisted so a restart re-exports and knows what is in use. */
export interface ExportRecord {
  readonly volumeId: string;
  /** Connector keys (initiator name, else host) that initialized a connection. */
  readonly connectors: readonly string[];
}

/**
 * Tracks which volumes are connected and, with iSCSI on, serves them through tgt: raw files
 * directly, qcow2 files through a FUSE raw view (fuse-export.ts), since tgt reads raw only.
 * A record exists from the first initializeConnection to the last terminateConnection; the
 * driver never swaps the file of a recorded volume (snapshots and clones of it are copies).
 */
export class VolumeExports {
  private readonly records = new Map<string, ExportRecord>();

  constructor(
    private readonly files: VolumeFiles,
    private readonly tgt: TgtDaemon | undefined,
  ) {}

  private get dir(): string {
    return path.join(this.files.dir, 'exports');
  }

  private recordPath(volumeId: string): string {
    assertSafeId(volumeId, 'volume');
    return path.join(this.dir, `${volumeId}.json`);
  }

  private fuseSpec(volumeId: string) {
    return { mountpoint: path.join(this.dir, `${volumeId}.raw`), pidFile: path.join(this.dir, `${volumeId}.qsd.pid`) };
  }

  /** Loads the records a previous run left. */
  async load(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    this.records.clear();
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const record = JSON.parse(await fs.readFile(path.join(this.dir, name), 'utf8')) as ExportRecord;
      this.records.set(record.volumeId, record);
    }
  }

  isConnected(volumeId: string): boolean {
    return this.records.has(volumeId);
  }

  /** Sync check for chain collection: is this active file (volume-<id>.<fmt>) connected? */
  fileInUse(volumeFileName: string): boolean {
    const m = /^volume-(.+)\.(qcow2|raw)$/.exec(volumeFileName);
    return m !== null && this.records.has(m[1]!);
  }

  async connect(volumeId: string, file: LocatedFile, connectorKey: string): Promise<void> {
    const before = this.records.get(volumeId);
    const connectors = before?.connectors.includes(connectorKey) ? before.connectors : [...(before?.connectors ?? []), connectorKey];
    await this.save({ volumeId, connectors });
    await this.serve(volumeId, file);
  }

  /** Drops one connector (all when `connectorKey` is undefined); unexports after the last. */
  async disconnect(volumeId: string, connectorKey: string | undefined): Promise<void> {
    const before = this.records.get(volumeId);
    if (!before) {
      await this.unserve(volumeId); // leftovers of a crash between the two steps below
      return;
    }
    const connectors = connectorKey === undefined ? [] : before.connectors.filter((c) => c !== connectorKey);
    if (connectors.length > 0) {
      await this.save({ volumeId, connectors });
      return;
    }
    await this.unserve(volumeId);
    await fs.rm(this.recordPath(volumeId), { force: true });
    this.records.delete(volumeId);
  }

  /** Serves every recorded volume again (after tgtd started). */
  async serveAll(): Promise<void> {
    for (const record of [...this.records.values()]) {
      const file = await this.files.findVolume(record.volumeId);
      if (file) await this.serve(record.volumeId, file);
      else await this.disconnect(record.volumeId, undefined);
    }
  }

  /** Stops serving everything but keeps the records, so the next start serves them again. */
  async unserveAll(): Promise<void> {
    for (const volumeId of this.records.keys()) await this.unserve(volumeId);
  }

  private async save(record: ExportRecord): Promise<void> {
    const file = this.recordPath(record.volumeId);
    await fs.writeFile(`${file}.tmp`, JSON.stringify(record));
    await fs.rename(`${file}.tmp`, file);
    this.records.set(record.volumeId, record);
  }

  private async serve(volumeId: string, file: LocatedFile): Promise<void> {
    if (!this.tgt) return;
    let backing = file.path;
    if (file.format === 'qcow2') {
      const spec = this.fuseSpec(volumeId);
      if (await startFuseExport({ ...spec, image: file.path, format: 'qcow2' })) {
        // a LUN opened on an earlier mount at the same path would keep its dead file open
        await this.tgt.removeTarget(targetIqn(volumeId));
      }
      backing = spec.mountpoint;
    }
    await this.tgt.ensureTarget(targetIqn(volumeId), backing);
  }

  private async unserve(volumeId: string): Promise<void> {
    if (!this.tgt) return;
    await this.tgt.removeTarget(targetIqn(volumeId));
    try {
      await stopFuseExport(this.fuseSpec(volumeId));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
