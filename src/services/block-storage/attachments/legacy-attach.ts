import { randomUUID } from 'node:crypto';
import { toDbTime } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { ConnectionInfo, Connector } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { volumeDriver, volumeRef } from '../data-plane/volume-refs.ts';
import {
  attachmentsOfVolume,
  getAttachment,
  insertAttachment,
  type AttachmentRow,
} from '../store/attachments.ts';
import {
  getVolumeMetadata,
  setVolumeMetadata,
  transitionVolume,
  type VolumeRow,
} from '../store/volumes.ts';
import { finishDetach } from './attach-state.ts';
import { exportVolume, unexportVolume } from './connection-info.ts';
import { storedConnector } from './volume-attachments.ts';

/**
 * The attach actions Nova used before the attachments API (and still may): os-reserve,
 * os-attach, os-initialize_connection, os-detach ... Each is one step of Cinder's legacy
 * attach flow with the same status checks.
 */

const invalidVolume = (reason: string) => blockStorageErrors.invalid(`Invalid volume: ${reason}`);

function refuseMaintenance(volume: VolumeRow, what: string): void {
  if (volume.status === 'maintenance')
    throw invalidVolume(`The volume ${what} in maintenance mode.`);
}

/** os-reserve: an available volume (or, multiattach, an in-use one) becomes attaching. */
export async function reserveVolume(env: BlockStorageEnv, volume: VolumeRow): Promise<void> {
  const expected = Number(volume.multiattach) === 1 ? ['available', 'in-use'] : ['available'];
  const ok = await transitionVolume(
    env.db,
    volume.id,
    { status: 'attaching', updated_at: toDbTime(env.now()) },
    expected,
  );
  if (!ok) {
    throw invalidVolume(
      `Volume status must be ${expected.join(' or ')} to reserve, but the status is ${volume.status}.`,
    );
  }
}

/** os-unreserve: an attaching volume goes back to in-use or available; otherwise nothing happens. */
export async function unreserveVolume(env: BlockStorageEnv, volume: VolumeRow): Promise<void> {
  const attached = (await attachmentsOfVolume(env.db, volume.id)).some(
    (a) => a.attach_status === 'attached',
  );
  await transitionVolume(
    env.db,
    volume.id,
    { status: attached ? 'in-use' : 'available', updated_at: toDbTime(env.now()) },
    ['attaching'],
  );
}

/** os-begin_detaching: an attached, in-use volume becomes detaching. */
export async function beginDetaching(env: BlockStorageEnv, volume: VolumeRow): Promise<void> {
  const ok = await transitionVolume(
    env.db,
    volume.id,
    { status: 'detaching', updated_at: toDbTime(env.now()) },
    ['in-use'],
    (eb) => eb.and([eb('attach_status', '=', 'attached')]),
  );
  if (!ok) {
    throw invalidVolume(
      "Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.",
    );
  }
}

/** os-roll_detaching: a detaching volume is in-use again. */
export async function rollDetaching(env: BlockStorageEnv, volume: VolumeRow): Promise<void> {
  await transitionVolume(env.db, volume.id, { status: 'in-use', updated_at: toDbTime(env.now()) }, [
    'detaching',
  ]);
}

export interface AttachRequest {
  readonly instanceUuid: string | null;
  readonly hostName: string | null;
  readonly mountpoint: string;
  readonly mode: 'rw' | 'ro';
}

/**
 * os-attach: records that a server (or host) now uses the volume: an attached attachment,
 * the volume in-use and attached, its admin metadata saying how (attached_mode, readonly).
 * Attaching again to the same server only confirms in-use.
 */
export async function attachVolume(
  env: BlockStorageEnv,
  volume: VolumeRow,
  req: AttachRequest,
): Promise<AttachmentRow> {
  refuseMaintenance(volume, 'cannot be attached');
  const admin = await getVolumeMetadata(env.db, 'admin', volume.id);
  if ((admin.readonly ?? 'False') === 'True' && req.mode !== 'ro') {
    throw blockStorageErrors.invalid(
      `Invalid attaching mode '${req.mode}' for volume ${volume.id}.`,
    );
  }
  if (
    volume.status === 'attaching' &&
    admin.attached_mode !== undefined &&
    admin.attached_mode !== req.mode
  ) {
    throw invalidVolume('being attached by different mode');
  }
  const now = toDbTime(env.now());
  const existing = (await attachmentsOfVolume(env.db, volume.id)).find((a) =>
    req.instanceUuid !== null
      ? a.instance_uuid === req.instanceUuid
      : a.attached_host === req.hostName,
  );
  if (existing) {
    await transitionVolume(env.db, volume.id, { status: 'in-use', updated_at: now });
    return existing;
  }
  if (volume.status === 'in-use' && Number(volume.multiattach) !== 1) {
    throw invalidVolume('volume is already attached and multiple attachments are not enabled');
  }
  if (!['available', 'attaching', 'reserved', 'in-use'].includes(volume.status)) {
    throw invalidVolume(
      `Volume ${volume.id} status must be available, attaching, reserved or in-use to attach, but the current status is ${volume.status}.`,
    );
  }
  const attachment: AttachmentRow = {
    id: randomUUID(),
    volume_id: volume.id,
    instance_uuid: req.instanceUuid,
    attached_host: req.hostName,
    mountpoint: req.mountpoint,
    attach_mode: req.mode,
    attach_status: 'attached',
    connector: null,
    connection_info: null,
    created_at: now,
    updated_at: now,
    attached_at: now,
  };
  await env.db.transaction().execute(async (trx) => {
    await insertAttachment(trx, attachment);
    await transitionVolume(trx, volume.id, {
      status: 'in-use',
      attach_status: 'attached',
      updated_at: now,
    });
    const meta: Record<string, string> = { attached_mode: req.mode };
    if (admin.readonly === undefined) meta.readonly = 'False';
    await setVolumeMetadata(trx, 'admin', volume.id, meta, false);
  });
  return attachment;
}

/**
 * os-detach: removes the named attachment (or the only one) and settles the volume's
 * status. Naming none when there are several is refused; with none left the volume is
 * simply made available.
 */
export async function detachVolume(
  env: BlockStorageEnv,
  volume: VolumeRow,
  attachmentId: string | null,
): Promise<void> {
  refuseMaintenance(volume, 'cannot be detached');
  let attachment: AttachmentRow | undefined;
  if (attachmentId !== null) {
    attachment = await getAttachment(env.db, attachmentId);
    if (attachment && attachment.volume_id !== volume.id) {
      throw blockStorageErrors.invalid('Invalid input received: Mismatched volume and attachment');
    }
    if (!attachment) {
      // Cinder settles the status anyway, so a volume left detaching does not stay so.
      await finishDetach(env, volume.id, undefined);
      return;
    }
  } else {
    const attachments = await attachmentsOfVolume(env.db, volume.id);
    if (attachments.length > 1) {
      throw invalidVolume(
        'Detach volume failed: More than one attachment, but no attachment_id provided.',
      );
    }
    attachment = attachments[0];
    if (!attachment) {
      await transitionVolume(env.db, volume.id, {
        status: 'available',
        attach_status: 'detached',
        updated_at: toDbTime(env.now()),
      });
      return;
    }
  }
  const connector = storedConnector(attachment);
  if (connector)
    await unexportVolume(volumeDriver(env, volume), volumeRef(volume), connector).catch(
      () => undefined,
    );
  await finishDetach(env, volume.id, attachment.id);
}

/** os-initialize_connection: exports the volume to the connector's host and says how to reach it. */
export async function initializeConnection(
  env: BlockStorageEnv,
  volume: VolumeRow,
  connector: Connector,
): Promise<ConnectionInfo> {
  refuseMaintenance(volume, 'connection cannot be initialized');
  const admin = await getVolumeMetadata(env.db, 'admin', volume.id);
  const mode = admin.readonly === 'True' ? 'ro' : 'rw';
  return exportVolume(volumeDriver(env, volume), volumeRef(volume), connector, mode);
}

/** os-terminate_connection: ends the export to the connector's host, then unreserves. */
export async function terminateConnection(
  env: BlockStorageEnv,
  volume: VolumeRow,
  connector: Connector | null,
): Promise<void> {
  if (connector) {
    try {
      await unexportVolume(volumeDriver(env, volume), volumeRef(volume), connector);
    } catch (err) {
      throw new ApiError(
        500,
        'block_storage.terminate_connection_failed',
        'Unable to terminate volume connection from backend.',
        {
          cause: err,
        },
      );
    }
  }
  await unreserveVolume(env, volume);
}

/**
 * os-force_detach (admin): ends the export when a connector is given, then detaches the
 * named attachment whatever the volume's status (the volume may be in error).
 */
export async function forceDetach(
  env: BlockStorageEnv,
  volume: VolumeRow,
  opts: { connector: Connector | null; attachmentId: string | null },
): Promise<void> {
  await terminateConnection(env, volume, opts.connector);
  await detachVolume(env, volume, opts.attachmentId);
}
