import path from 'node:path';
import type { Config } from '../core/config/index.ts';
import { blockStorageConfig, type BlockStorageDrivers } from '../services/block-storage/index.ts';
import { FakeVolumeDriver } from '../drivers/volume/fake/fake-volume-driver.ts';
import { FileVolumeDriver } from '../drivers/volume/file/file-volume-driver.ts';
import { FileBackupDriver } from '../drivers/backup/file/file-backup-driver.ts';
import { RbdClient } from '../drivers/volume/rbd/rbd-client.ts';
import { RbdVolumeDriver } from '../drivers/volume/rbd/rbd-volume-driver.ts';
import { RbdImageStore } from '../drivers/image-store/rbd/rbd-image-store.ts';
import { imageConfig } from '../services/image/config.ts';
import type { ImageDrivers, ImageStore } from '../services/image/drivers.ts';
import { FileImageStore } from '../drivers/image-store/file/file-image-store.ts';
import { STAGING_STORE_ID } from '../services/image/image-upload.ts';

/**
 * Picks each service's data-plane drivers from config. The one place that knows which
 * implementations exist, so services stay free of drivers/ imports.
 */
export function driversFor(type: string, config: Config, dataDir: string): unknown {
  switch (type) {
    case 'block-storage':
      return blockStorageDrivers(config, dataDir);
    case 'image':
      return imageDrivers(config, dataDir);
    default:
      return undefined;
  }
}

function blockStorageDrivers(config: Config, dataDir: string): BlockStorageDrivers {
  const s = config.section(blockStorageConfig);
  const volumes = s.enabled_backends.map((name) => {
    switch (name) {
      case 'file':
        return new FileVolumeDriver({
          backendName: 'file',
          dir: s.file_backend_dir || path.join(dataDir, 'volumes'),
          format: s.file_backend_format,
          capacityGb: s.file_backend_capacity_gb,
          iscsi: s.iscsi_enabled ? { portal: s.iscsi_portal, controlPort: s.iscsi_control_port } : undefined,
        });
      case 'fake':
        return new FakeVolumeDriver('fake');
      case 'rbd':
        if (!s.rbd_conf) throw new Error('block-storage.rbd_conf must name the ceph.conf of the rbd backend');
        return new RbdVolumeDriver({
          backendName: 'rbd',
          conf: s.rbd_conf,
          pool: s.rbd_pool,
          ...(s.rbd_user ? { user: s.rbd_user } : {}),
          ...(s.rbd_keyring_conf ? { keyring: s.rbd_keyring_conf } : {}),
          ...(s.rbd_secret_uuid ? { secretUuid: s.rbd_secret_uuid } : {}),
          clusterName: s.rbd_cluster_name,
          maxCloneDepth: s.rbd_max_clone_depth,
          flattenVolumeFromSnapshot: s.rbd_flatten_volume_from_snapshot,
          createPool: true,
          workDir: path.join(dataDir, 'block-storage', 'rbd-work'),
        });
      default:
        throw new Error(`block-storage.enabled_backends: unknown backend "${name}" (known: file, fake, rbd)`);
    }
  });
  const backup = s.backup_driver === 'file' ? new FileBackupDriver({ dir: s.backup_dir || path.join(dataDir, 'backups') }) : undefined;
  return { volumes, backup };
}

/**
 * The image service's `rbd` store (image.enabled_backends), on the same RBD client code as
 * the rbd volume backend so both treat clones alike.
 */
export function rbdImageStore(config: Config): RbdImageStore {
  const s = config.section(imageConfig);
  if (!s.rbd_store_ceph_conf) throw new Error('image.rbd_store_ceph_conf must name the ceph.conf of the rbd store');
  const rbd = new RbdClient({ conf: s.rbd_store_ceph_conf, ...(s.rbd_store_user ? { user: s.rbd_store_user } : {}) });
  return new RbdImageStore({ id: 'rbd', pool: s.rbd_store_pool, rbd, createPool: true });
}

/**
 * The image service's stores in image.enabled_backends order (the first is the default) and
 * the staging area glance-direct imports stage into. `dataDir` is the image service's own.
 */
function imageDrivers(config: Config, dataDir: string): ImageDrivers {
  const s = config.section(imageConfig);
  const stores: ImageStore[] = s.enabled_backends.map((id) => {
    switch (id) {
      case 'file':
        return new FileImageStore({ id: 'file', dir: s.filesystem_store_datadir || path.join(dataDir, 'images') });
      case 'rbd':
        return rbdImageStore(config);
      default:
        throw new Error(`image.enabled_backends: unknown store "${id}" (known: file, rbd)`);
    }
  });
  const staging = new FileImageStore({
    id: STAGING_STORE_ID,
    dir: s.staging_dir || path.join(dataDir, 'staging'),
    description: 'Data staged for interoperable import.',
  });
  return { stores, staging };
}
