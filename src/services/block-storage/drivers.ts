import type { Readable } from 'node:stream';

/**
 * The ports block storage needs from a data plane. A backend (file on qcow2/raw + tgt
 * iSCSI, Ceph RBD, the fake) implements VolumeDriver; backups go through BackupDriver. Every
 * implementation passes the same contract suite (test/volume-driver-contract.ts).
 *
 * Every call is idempotent: the task running it may be resumed after a crash and call it
 * again, so creating what exists or deleting what is gone succeeds.
 */

export interface BackendStats {
  readonly backendName: string;
  /** Storage protocol shown in pools and capabilities: iSCSI, ceph, file. */
  readonly storageProtocol: string;
  readonly vendorName: string;
  readonly driverVersion: string;
  readonly totalCapacityGb: number;
  readonly freeCapacityGb: number;
  /** GiB handed out to volumes (thin: may exceed used space). */
  readonly provisionedCapacityGb: number;
  readonly thinProvisioning: boolean;
  readonly multiattach: boolean;
  /** Extra capabilities a volume type's extra specs may match (capabilities:... specs). */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

/** Where a volume lives in the backend; stored opaque in the volume row. */
export type ProviderLocation = Readonly<Record<string, string>>;

export interface VolumeRef {
  readonly id: string;
  readonly sizeGb: number;
  readonly providerLocation?: ProviderLocation | undefined;
}

export interface SnapshotRef {
  readonly id: string;
  readonly volume: VolumeRef;
  readonly providerLocation?: ProviderLocation | undefined;
}

/** What the hypervisor side says about itself when attaching (os-brick's connector properties). */
export interface Connector {
  readonly host?: string;
  readonly initiator?: string;
  readonly ip?: string;
  readonly platform?: string;
  readonly os_type?: string;
  readonly multipath?: boolean;
  readonly [key: string]: unknown;
}

/** Cinder's connection_info: what the hypervisor needs to reach the volume. */
export interface ConnectionInfo {
  /** iscsi | rbd | file */
  readonly driver_volume_type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Where the image service keeps an image's data (Glance direct_url / locations[].url). */
export interface ImageLocations {
  readonly locations: readonly string[];
  readonly diskFormat: string;
}

export interface VolumeDriver {
  readonly backendName: string;
  /**
   * Glance disk formats whose data createVolumeFromImage turns into volume content; data in
   * any other format is refused (never stored as it came, which would hand a guest a disk
   * of container bytes).
   */
  readonly imageDiskFormats: readonly string[];
  /** Prepares the backend (directories, daemons, pools); called once at service start. */
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): Promise<BackendStats>;
  createVolume(volume: VolumeRef): Promise<ProviderLocation>;
  /** A new volume with the snapshot's content, at least `volume.sizeGb` big. */
  createVolumeFromSnapshot(volume: VolumeRef, snapshot: SnapshotRef): Promise<ProviderLocation>;
  cloneVolume(volume: VolumeRef, source: VolumeRef): Promise<ProviderLocation>;
  /** Writes image data (in one of imageDiskFormats, as `diskFormat` says) into a new volume. */
  createVolumeFromImage(volume: VolumeRef, image: { data: Readable; diskFormat: string; sizeBytes: number }): Promise<ProviderLocation>;
  /**
   * Capability (Cinder's clone_image): make the volume a copy-on-write clone of image data
   * the backend reaches where it lies (an image the image service stores in the same Ceph
   * cluster), copying nothing. Undefined when no location qualifies; the caller then
   * downloads the image into createVolumeFromImage. Backends without it omit the method.
   */
  cloneImage?(volume: VolumeRef, image: ImageLocations): Promise<ProviderLocation | undefined>;
  /** The volume's content as a raw stream, for upload-to-image and backups. */
  readVolume(volume: VolumeRef): Promise<Readable>;
  /** Overwrites the volume's content from a raw stream (backup restore). */
  writeVolume(volume: VolumeRef, data: Readable): Promise<void>;
  deleteVolume(volume: VolumeRef): Promise<void>;
  extendVolume(volume: VolumeRef, newSizeGb: number): Promise<void>;
  createSnapshot(snapshot: SnapshotRef): Promise<ProviderLocation>;
  deleteSnapshot(snapshot: SnapshotRef): Promise<void>;
  /** Exports the volume to a host and says how to reach it. */
  initializeConnection(volume: VolumeRef, connector: Connector): Promise<ConnectionInfo>;
  terminateConnection(volume: VolumeRef, connector: Connector): Promise<void>;
}

export interface BackupRef {
  readonly id: string;
  readonly volumeId: string;
  readonly sizeGb: number;
  /** The backup this one is incremental on, if any. */
  readonly parent?: { readonly id: string; readonly location: ProviderLocation } | undefined;
  readonly location?: ProviderLocation | undefined;
}

export interface BackupDriver {
  readonly name: string;
  start(): Promise<void>;
  /** Stores the volume's content; incremental backups store only what changed since the parent. */
  backup(backup: BackupRef, data: Readable): Promise<{ location: ProviderLocation; objectCount: number }>;
  /**
   * The full content of a backup (resolving the incremental chain). A record imported under
   * another id (import_record) carries the location of the data it was exported with.
   */
  restore(backup: BackupRef): Promise<Readable>;
  /** Drops the backup's data; a record whose location names another backup's data drops nothing. */
  delete(backup: BackupRef): Promise<void>;
}

/** A failure the task runner may retry (backend busy, daemon restarting). */
export class RetryableDriverError extends Error {
  readonly retryable = true;
}
