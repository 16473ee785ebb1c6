import { Readable } from 'node:stream';
import type {
  BackendStats,
  ConnectionInfo,
  Connector,
  ProviderLocation,
  SnapshotRef,
  VolumeDriver,
  VolumeRef,
} from '../../../services/block-storage/drivers.ts';

/** Behaviour a test can inject: delays and failures per operation. */
export interface FakeVolumeFaults {
  delayMs?: Partial<Record<keyof VolumeDriver, number>>;
  fail?: Partial<Record<keyof VolumeDriver, string>>;
}

const GiB = 1024 ** 3;

/** Formats whose bytes are the disk's bytes: all the fake can take without a converter. */
const RAW_DISK_FORMATS: readonly string[] = ['raw', 'iso', 'ami', 'aki', 'ari'];

/**
 * A volume backend in memory, for tests and for clouds without storage. Volumes are sparse
 * byte maps, so content written survives clones, snapshots and reads as on a real backend.
 */
export class FakeVolumeDriver implements VolumeDriver {
  readonly imageDiskFormats = RAW_DISK_FORMATS;
  private readonly volumes = new Map<string, { sizeGb: number; data: Buffer }>();
  private readonly snapshots = new Map<string, Buffer>();

  constructor(
    readonly backendName: string,
    private readonly opts: { capacityGb?: number; faults?: FakeVolumeFaults } = {},
  ) {}

  private async step(op: keyof VolumeDriver): Promise<void> {
    const delay = this.opts.faults?.delayMs?.[op];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const fail = this.opts.faults?.fail?.[op];
    if (fail) throw new Error(fail);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async stats(): Promise<BackendStats> {
    await this.step('stats');
    const total = this.opts.capacityGb ?? 1000;
    const provisioned = [...this.volumes.values()].reduce((n, v) => n + v.sizeGb, 0);
    return {
      backendName: this.backendName,
      storageProtocol: 'fake',
      vendorName: 'strata',
      driverVersion: '1.0',
      totalCapacityGb: total,
      freeCapacityGb: Math.max(0, total - provisioned),
      provisionedCapacityGb: provisioned,
      thinProvisioning: false,
      multiattach: true,
    };
  }

  private location(id: string): ProviderLocation {
    return { fake: id };
  }

  private need(volume: VolumeRef) {
    const v = this.volumes.get(volume.id);
    if (!v) throw new Error(`fake backend has no volume ${volume.id}`);
    return v;
  }

  async createVolume(volume: VolumeRef): Promise<ProviderLocation> {
    await this.step('createVolume');
    if (!this.volumes.has(volume.id)) this.volumes.set(volume.id, { sizeGb: volume.sizeGb, data: Buffer.alloc(0) });
    return this.location(volume.id);
  }

  async createVolumeFromSnapshot(volume: VolumeRef, snapshot: SnapshotRef): Promise<ProviderLocation> {
    await this.step('createVolumeFromSnapshot');
    const data = this.snapshots.get(snapshot.id);
    if (!data) throw new Error(`fake backend has no snapshot ${snapshot.id}`);
    this.volumes.set(volume.id, { sizeGb: volume.sizeGb, data: Buffer.from(data) });
    return this.location(volume.id);
  }

  async cloneVolume(volume: VolumeRef, source: VolumeRef): Promise<ProviderLocation> {
    await this.step('cloneVolume');
    this.volumes.set(volume.id, { sizeGb: volume.sizeGb, data: Buffer.from(this.need(source).data) });
    return this.location(volume.id);
  }

  async createVolumeFromImage(volume: VolumeRef, image: { data: Readable; diskFormat: string }): Promise<ProviderLocation> {
    await this.step('createVolumeFromImage');
    if (!RAW_DISK_FORMATS.includes(image.diskFormat)) {
      image.data.destroy();
      throw new Error(`the fake backend cannot convert images of disk format ${image.diskFormat}`);
    }
    const chunks: Buffer[] = [];
    for await (const c of image.data) chunks.push(Buffer.from(c as Buffer));
    const data = Buffer.concat(chunks);
    if (data.length > volume.sizeGb * GiB) throw new Error('image does not fit the volume');
    this.volumes.set(volume.id, { sizeGb: volume.sizeGb, data });
    return this.location(volume.id);
  }

  async readVolume(volume: VolumeRef): Promise<Readable> {
    await this.step('readVolume');
    return Readable.from([this.need(volume).data]);
  }

  async writeVolume(volume: VolumeRef, data: Readable): Promise<void> {
    await this.step('writeVolume');
    const chunks: Buffer[] = [];
    for await (const c of data) chunks.push(Buffer.from(c as Buffer));
    this.need(volume).data = Buffer.concat(chunks);
  }

  async deleteVolume(volume: VolumeRef): Promise<void> {
    await this.step('deleteVolume');
    this.volumes.delete(volume.id);
  }

  async extendVolume(volume: VolumeRef, newSizeGb: number): Promise<void> {
    await this.step('extendVolume');
    this.need(volume).sizeGb = newSizeGb;
  }

  async createSnapshot(snapshot: SnapshotRef): Promise<ProviderLocation> {
    await this.step('createSnapshot');
    this.snapshots.set(snapshot.id, Buffer.from(this.need(snapshot.volume).data));
    return { fake: snapshot.id };
  }

  async deleteSnapshot(snapshot: SnapshotRef): Promise<void> {
    await this.step('deleteSnapshot');
    this.snapshots.delete(snapshot.id);
  }

  async initializeConnection(volume: VolumeRef, _connector: Connector): Promise<ConnectionInfo> {
    await this.step('initializeConnection');
    this.need(volume);
    return { driver_volume_type: 'fake', data: { volume_id: volume.id, access_mode: 'rw' } };
  }

  async terminateConnection(_volume: VolumeRef, _connector: Connector): Promise<void> {
    await this.step('terminateConnection');
  }
}
