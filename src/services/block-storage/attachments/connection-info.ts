import { ApiError } from '../../../core/errors/index.ts';
import type { ConnectionInfo, Connector, VolumeDriver, VolumeRef } from '../drivers.ts';

/**
 * Asks the backend to export the volume to the connector's host and adds what Cinder's
 * volume manager adds to the driver's answer (access_mode, encrypted, qos_specs). A backend
 * failure is Cinder's 500 "Unable to ..." answer, never a half-written attachment.
 */
export async function exportVolume(
  driver: VolumeDriver,
  volume: VolumeRef,
  connector: Connector,
  accessMode: 'rw' | 'ro',
): Promise<ConnectionInfo> {
  let info: ConnectionInfo;
  try {
    info = await driver.initializeConnection(volume, connector);
  } catch (err) {
    throw new ApiError(
      500,
      'block_storage.initialize_connection_failed',
      `Driver initialize connection failed (error: ${err instanceof Error ? err.message : String(err)}).`,
      { cause: err },
    );
  }
  return {
    driver_volume_type: info.driver_volume_type,
    data: { qos_specs: null, encrypted: false, ...info.data, access_mode: accessMode },
  };
}

/** Undoes an export; failures are logged by the caller and do not keep the detach from finishing. */
export async function unexportVolume(
  driver: VolumeDriver,
  volume: VolumeRef,
  connector: Connector,
): Promise<void> {
  await driver.terminateConnection(volume, connector);
}

/**
 * The connection_info an attachment stores and shows: the driver's data flattened beside
 * driver_volume_type, plus the attachment id (Cinder's _connection_create).
 */
export function attachmentConnectionInfo(
  info: ConnectionInfo,
  attachmentId: string,
): Record<string, unknown> {
  return { ...info.data, driver_volume_type: info.driver_volume_type, attachment_id: attachmentId };
}
