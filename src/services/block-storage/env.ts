import type { OptionValues } from '../../core/config/index.ts';
import type { Logger } from '../../core/observability/index.ts';
import type { PeerService } from '../../core/service/index.ts';
import type { TaskQueue } from '../../core/tasks/index.ts';
import type { blockStorageConfig } from './config.ts';
import type { BlockStorageDb } from './store/db.ts';
import type { BlockStorageTables } from './store/tables.ts';
import type { BackupDriver, VolumeDriver } from './drivers.ts';

export type BlockStorageSettings = OptionValues<(typeof blockStorageConfig)['options']>;

/** A running backend: its driver and the names Cinder shows (host `strata@<backend>#<pool>`). */
export interface Backend {
  readonly name: string;
  /** cinder-volume service host: `<hostname>@<backend>`. */
  readonly host: string;
  /** Pool as os-vol-host-attr:host shows it: `<host>#<pool>`. */
  readonly poolHost: string;
  readonly availabilityZone: string;
  readonly driver: VolumeDriver;
}

/**
 * What the block-storage route modules and workers share, built once in index.ts.
 */
export interface BlockStorageEnv {
  readonly db: BlockStorageDb;
  readonly settings: BlockStorageSettings;
  readonly backends: readonly Backend[];
  readonly backup: BackupDriver | undefined;
  readonly logger: Logger;
  /** The image service (for volumes from images and upload-to-image). */
  readonly image: () => PeerService;
  /** The identity service (unified limits, project checks). */
  readonly identity: () => PeerService;
  /**
   * The service's queue of long operations (volume create/delete/extend ..., backups):
   * each family registers its task kinds when the service is created.
   */
  readonly tasks: TaskQueue<Record<string, object>, BlockStorageTables>;
  /** Directory for the service's own files. */
  readonly dataDir: string;
  now(): Date;
}
