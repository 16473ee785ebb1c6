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

/**
 * Picks each service's data-plane drivers from config. The one place that knows which
 * implementations exist, so services stay free of drivers/ imports.
 */
export function driversFor(type: string, config: Config, dataDir: string): unknown {
  switch (type) {
    case 'block-storage':
      return blockStorageDrivers(config, dataDir);
    default:
      return undefined;
  }
}

/** `createVolume=2000,deleteVolume=500` -> { createVolume: 2000, deleteVolume: 500 }. */
function fakeDelays(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [op, ms] = part.split('=');
    const n = Number(ms);
    if (!op || !Number.isFinite(n) || n < 0) throw new Error(`block-storage.fake_backend_delays: bad entry "${part}" (want op=ms)`);
    out[op.trim()] = n;
  }
  return out;
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
        return new FakeVolumeDriver('fake', { faults: { delayMs: fakeDelays(s.fake_backend_delays) } });
      case 'rbd':
        if (!s.rbd_conf) throw new Error('block-storage.rbd_conf must name the ceph.conf of the rbd backend');
        return new RbdVolumeDriver({
          backendName: 'rbd',
          conf: s.rbd_conf,
          pool: s.rbd_pool,
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
