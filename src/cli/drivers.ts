import path from 'node:path';
import type { Config } from '../core/config/index.ts';
import { blockStorageConfig, type BlockStorageDrivers } from '../services/block-storage/index.ts';
import { FakeVolumeDriver } from '../drivers/volume/fake/fake-volume-driver.ts';

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

function blockStorageDrivers(config: Config, dataDir: string): BlockStorageDrivers {
  const s = config.section(blockStorageConfig);
  void path;
  void dataDir;
  const volumes = s.enabled_backends.map((name) => {
    switch (name) {
      case 'fake':
        return new FakeVolumeDriver('fake');
      default:
        throw new Error(`block-storage.enabled_backends: unknown backend "${name}" (known: fake)`);
    }
  });
  return { volumes };
}
