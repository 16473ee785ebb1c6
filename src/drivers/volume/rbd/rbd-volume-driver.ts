import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  BackendStats,
  ConnectionInfo,
  Connector,
  ImageLocations,
  ProviderLocation,
  SnapshotRef,
  VolumeDriver,
  VolumeRef,
} from '../../../services/block-storage/drivers.ts';
import { IMAGE_DISK_FORMATS, isRawFormat, stageAsRaw } from './disk-image.ts';
import { CLONE_SNAP_SUFFIX, DELETED_SUFFIX, RbdClient, type CephMonitor, type RbdSpec } from './rbd-client.ts';
import { parseRbdLocation } from './rbd-location.ts';

const GiB = 1024 ** 3;
const SNAPSHOT_PREFIX = 'snapshot-';

/** A snapshot a snapshot record owns (not one taken for a clone, nor one already deleted). */
const isUserSnapshot = (name: string) => name.startsWith(SNAPSHOT_PREFIX) && !name.endsWith(DELETED_SUFFIX);

export interface RbdVolumeDriverOptions {
  readonly backendName: string;
  /** ceph.conf of the cluster. */
  readonly conf: string;
  /** RADOS pool holding the volumes (Cinder rbd_pool). */
  readonly pool: string;
  /** cephx client id; unset means the cluster runs without auth (auth_enabled false). */
  readonly user?: string;
  readonly keyring?: string;
  /** Cluster name advertised to hypervisors (Cinder rbd_cluster_name). */
  readonly clusterName?: string;
  /** libvirt secret uuid holding the cephx key on hypervisors (Cinder rbd_secret_uuid). */
  readonly secretUuid?: string;
  /** Longest chain of clones before a new clone is flattened (Cinder rbd_max_clone_depth, 5). */
  readonly maxCloneDepth?: number;
  /** Make volumes from snapshots full copies instead of clones (Cinder rbd_flatten_volume_from_snapshot). */
  readonly flattenVolumeFromSnapshot?: boolean;
  /** Create the pool at start when it is missing (otherwise start fails). */
  readonly createPool?: boolean;
  /** Where non-raw images are converted to raw before import (default: OS temp dir). */
  readonly workDir?: string;
  /** A client to share (e.g. with the RBD image store); default: one for conf/user. */
  readonly client?: RbdClient;
}

/**
 * Cinder's RBD backend on a Ceph cluster, through the rbd/ceph CLIs. A volume is the RBD
 * image `volume-<id>` in the pool, a snapshot is its protected snapshot `snapshot-<id>`.
 * Volumes from snapshots, from other volumes and from images stored in the same cluster
 * are copy-on-write clones; chains are flattened past maxCloneDepth, and anything deleted
 * while clones depend on it is kept (renamed `.deleted`) until its last clone goes.
 */
export class RbdVolumeDriver implements VolumeDriver {
  readonly backendName: string;
  readonly imageDiskFormats = IMAGE_DISK_FORMATS;
  readonly client: RbdClient;
  private readonly pool: string;
  private readonly maxCloneDepth: number;
  private fsidCache: string | undefined;
  private monitorCache: { at: number; monitors: CephMonitor[] } | undefined;

  constructor(private readonly opts: RbdVolumeDriverOptions) {
    this.backendName = opts.backendName;
    this.pool = opts.pool;
    this.maxCloneDepth = opts.maxCloneDepth ?? 5;
    this.client =
      opts.client ??
      new RbdClient({
        conf: opts.conf,
        ...(opts.user ? { user: opts.user } : {}),
        ...(opts.keyring ? { keyring: opts.keyring } : {}),
      });
  }

  private volumeSpec(volume: VolumeRef): RbdSpec {
    const loc = volume.providerLocation;
    return { pool: loc?.pool ?? this.pool, image: loc?.image ?? `volume-${volume.id}` };
  }

  private snapshotSpec(snapshot: SnapshotRef): RbdSpec & { snap: string } {
    const loc = snapshot.providerLocation;
    const vol = this.volumeSpec(snapshot.volume);
    return {
      pool: loc?.pool ?? vol.pool,
      image: loc?.image ?? vol.image,
      snap: loc?.snap ?? `${SNAPSHOT_PREFIX}${snapshot.id}`,
    };
  }

  /**
   * The snapshot as it is now: under its volume's image, or under `<image>.deleted` when the
   * volume was deleted while the snapshot lived on.
   */
  private async liveSnapshotSpec(snapshot: SnapshotRef): Promise<RbdSpec & { snap: string }> {
    const spec = this.snapshotSpec(snapshot);
    if (await this.client.info(spec)) return spec;
    const kept = { ...spec, image: spec.image + DELETED_SUFFIX };
    return (await this.client.info(kept)) ? kept : spec;
  }

  private location(spec: RbdSpec): ProviderLocation {
    return spec.snap ? { pool: spec.pool, image: spec.image, snap: spec.snap } : { pool: spec.pool, image: spec.image };
  }

  private async fsid(): Promise<string> {
    this.fsidCache ??= await this.client.fsid();
    return this.fsidCache;
  }

  /** Monitor addresses, re-read at most once a minute (attach storms need not ask each time). */
  private async monitors(): Promise<CephMonitor[]> {
    const now = Date.now();
    if (!this.monitorCache || now - this.monitorCache.at > 60_000) {
      this.monitorCache = { at: now, monitors: await this.client.monitors() };
    }
    return this.monitorCache.monitors;
  }

  async start(): Promise<void> {
    await this.fsid();
    if (await this.client.poolExists(this.pool)) return;
    if (!this.opts.createPool) throw new Error(`RBD backend ${this.backendName}: pool ${this.pool} does not exist`);
    await this.client.ensurePool(this.pool);
  }

  async stop(): Promise<void> {}

  async stats(): Promise<BackendStats> {
    const usage = await this.client.poolUsage(this.pool);
    const images = usage ? await this.client.list(this.pool) : [];
    const provisioned = images.filter((i) => !i.image.endsWith(DELETED_SUFFIX)).reduce((n, i) => n + i.size, 0);
    const gb = (bytes: number) => Math.round((bytes / GiB) * 100) / 100;
    return {
      backendName: this.backendName,
      storageProtocol: 'ceph',
      vendorName: 'Open Source',
      driverVersion: '1.2.0',
      totalCapacityGb: usage ? gb(usage.usedBytes + usage.maxAvailBytes) : 0,
      freeCapacityGb: usage ? gb(usage.maxAvailBytes) : 0,
      provisionedCapacityGb: gb(provisioned),
      thinProvisioning: true,
      multiattach: true,
      extra: { thick_provisioning_support: false, max_over_subscription_ratio: 20 },
    };
  }

  async createVolume(volume: VolumeRef): Promise<ProviderLocation> {
    const spec = this.volumeSpec(volume);
    await this.client.create(spec, volume.sizeGb * GiB);
    return this.location(spec);
  }

  /** Clones `parent` into the volume, grows it to size, flattens when the chain gets long. */
  private async cloneInto(volume: VolumeRef, parent: RbdSpec, forceFlatten: boolean): Promise<ProviderLocation> {
    const spec = this.volumeSpec(volume);
    await this.client.clone(parent, spec);
    await this.client.growTo(spec, volume.sizeGb * GiB);
    if (forceFlatten || (await this.client.cloneDepth(spec)) > this.maxCloneDepth) await this.client.flatten(spec);
    return this.location(spec);
  }

  async createVolumeFromSnapshot(volume: VolumeRef, snapshot: SnapshotRef): Promise<ProviderLocation> {
    return this.cloneInto(volume, await this.liveSnapshotSpec(snapshot), this.opts.flattenVolumeFromSnapshot ?? false);
  }

  async cloneVolume(volume: VolumeRef, source: VolumeRef): Promise<ProviderLocation> {
    const target = this.volumeSpec(volume);
    // a snapshot of the source only this clone uses; it goes when the clone is deleted or flattened
    const snap = { ...this.volumeSpec(source), snap: `${target.image}${CLONE_SNAP_SUFFIX}` };
    if (!(await this.client.info(target))) await this.client.snapshot(snap);
    return this.cloneInto(volume, snap, false);
  }

  /**
   * Makes the volume a copy-on-write clone of an image the image service stores in this
   * cluster (raw only, as Cinder's clone_image); undefined when no location qualifies, and
   * the caller then downloads the image and calls createVolumeFromImage.
   */
  async cloneImage(volume: VolumeRef, image: ImageLocations): Promise<ProviderLocation | undefined> {
    if (image.diskFormat !== 'raw') return undefined;
    const fsid = await this.fsid();
    for (const url of image.locations) {
      const loc = parseRbdLocation(url);
      if (!loc || loc.fsid !== fsid) continue;
      const parent = { pool: loc.pool, image: loc.image, snap: loc.snap };
      const info = await this.client.info(parent);
      if (!info || info.size > volume.sizeGb * GiB) continue;
      return this.cloneInto(volume, parent, false);
    }
    return undefined;
  }

  async createVolumeFromImage(volume: VolumeRef, image: { data: Readable; diskFormat: string; sizeBytes: number }): Promise<ProviderLocation> {
    const spec = this.volumeSpec(volume);
    const capacity = volume.sizeGb * GiB;
    if (isRawFormat(image.diskFormat)) {
      if (image.sizeBytes > capacity) {
        image.data.destroy();
        throw new Error(`image of ${image.sizeBytes} bytes does not fit a ${volume.sizeGb} GiB volume`);
      }
      await this.client.create(spec, capacity);
      await this.client.writeRaw(spec, image.data, true);
      return this.location(spec);
    }
    const staged = await stageAsRaw(image.data, image.diskFormat, this.opts.workDir ?? path.join(os.tmpdir(), 'strata-rbd'));
    try {
      if (staged.virtualSize > capacity) {
        throw new Error(`image of virtual size ${staged.virtualSize} bytes does not fit a ${volume.sizeGb} GiB volume`);
      }
      await this.client.create(spec, capacity);
      await this.client.writeRaw(spec, fs.createReadStream(staged.rawPath), true);
      return this.location(spec);
    } finally {
      staged.dispose();
    }
  }

  async readVolume(volume: VolumeRef): Promise<Readable> {
    const spec = this.volumeSpec(volume);
    await this.client.mustInfo(spec);
    return this.client.exportRaw(spec);
  }

  async writeVolume(volume: VolumeRef, data: Readable): Promise<void> {
    await this.client.writeRaw(this.volumeSpec(volume), data, true);
  }

  /** The volume's snapshots outlive it (as `<image>.deleted`) until each is deleted. */
  async deleteVolume(volume: VolumeRef): Promise<void> {
    await this.client.removeImage(this.volumeSpec(volume), { keepSnapshot: isUserSnapshot });
  }

  async extendVolume(volume: VolumeRef, newSizeGb: number): Promise<void> {
    await this.client.growTo(this.volumeSpec(volume), newSizeGb * GiB);
  }

  async createSnapshot(snapshot: SnapshotRef): Promise<ProviderLocation> {
    const spec = this.snapshotSpec(snapshot);
    await this.client.snapshot(spec);
    return this.location(spec);
  }

  async deleteSnapshot(snapshot: SnapshotRef): Promise<void> {
    await this.client.removeSnapshot(await this.liveSnapshotSpec(snapshot));
  }

  async initializeConnection(volume: VolumeRef, _connector: Connector): Promise<ConnectionInfo> {
    const spec = this.volumeSpec(volume);
    await this.client.mustInfo(spec);
    const monitors = await this.monitors();
    return {
      driver_volume_type: 'rbd',
      data: {
        name: `${spec.pool}/${spec.image}`,
        hosts: monitors.map((m) => m.host),
        ports: monitors.map((m) => String(m.port)),
        cluster_name: this.opts.clusterName ?? 'ceph',
        auth_enabled: Boolean(this.opts.user),
        auth_username: this.opts.user ?? null,
        secret_type: 'ceph',
        secret_uuid: this.opts.secretUuid ?? null,
        volume_id: volume.id,
        discard: true,
        access_mode: 'rw',
      },
    };
  }

  async terminateConnection(_volume: VolumeRef, _connector: Connector): Promise<void> {
    // RBD needs no export: the hypervisor's librbd talks to the cluster directly
  }
}
