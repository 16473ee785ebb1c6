import { fromDbJson } from '../../../core/db/index.ts';
import type { ProviderLocation, SnapshotRef, VolumeDriver, VolumeRef } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import type { SnapshotRow } from '../store/snapshots.ts';
import type { VolumeRow } from '../store/volumes.ts';
import { backendOfHost } from '../volumes/scheduler.ts';

/** A stored provider_location (JSON text) as the driver gave it. */
export function providerLocation(text: string | null): ProviderLocation | undefined {
  return text === null ? undefined : fromDbJson<ProviderLocation>(text);
}

/** What a driver call needs to know about a volume. */
export function volumeRef(volume: VolumeRow): VolumeRef {
  return {
    id: volume.id,
    sizeGb: Number(volume.size),
    providerLocation: providerLocation(volume.provider_location),
  };
}

export function snapshotRef(snapshot: SnapshotRow, volume: VolumeRow): SnapshotRef {
  return {
    id: snapshot.id,
    volume: volumeRef(volume),
    providerLocation: providerLocation(snapshot.provider_location),
  };
}

/**
 * The driver of the backend a volume lives on. A volume that was never scheduled, or whose
 * backend is no longer configured, has none: Cinder refuses such requests as invalid.
 */
export function volumeDriver(env: BlockStorageEnv, volume: VolumeRow): VolumeDriver {
  const backend = backendOfHost(env, volume.host);
  if (!backend) {
    throw blockStorageErrors.invalid(
      `Invalid volume: Volume ${volume.id} has not been scheduled to a running backend (host ${volume.host ?? 'none'}).`,
    );
  }
  return backend.driver;
}
