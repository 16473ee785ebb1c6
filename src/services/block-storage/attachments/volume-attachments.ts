import { randomUUID } from 'node:crypto';
import { fromDbJson, toDbJson, toDbTime } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import type { Connector } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { volumeDriver, volumeRef } from '../data-plane/volume-refs.ts';
import {
  attachmentsOfVolume,
  getAttachment,
  insertAttachment,
  updateAttachment,
  type AttachmentRow,
} from '../store/attachments.ts';
import {
  getVolume,
  getVolumeMetadata,
  transitionVolume,
  type VolumeRow,
} from '../store/volumes.ts';
import { finishDetach } from './attach-state.ts';
import { attachmentConnectionInfo, exportVolume, unexportVolume } from './connection-info.ts';

const invalidVolume = (reason: string) => blockStorageErrors.invalid(`Invalid volume: ${reason}`);

function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

function refuseErrorStatus(volume: VolumeRow, what: 'created' | 'updated'): void {
  if (volume.status.includes('error')) {
    throw invalidVolume(
      `Volume attachments can not be ${what} if the volume is in an error state. The Volume ${volume.id} currently has a status of: ${volume.status} `,
    );
  }
}

/**
 * Reserves the volume for one consumer (Cinder's _attachment_reserve): an available volume
 * (or, multiattach, an in-use one) becomes reserved and gets an attachment in `reserved`.
 * A second reservation for the instance that already holds one is allowed (live migration).
 */
async function reserve(
  env: BlockStorageEnv,
  volume: VolumeRow,
  instanceUuid: string | null,
): Promise<AttachmentRow> {
  const multiattach = Number(volume.multiattach) === 1;
  const expected = multiattach
    ? ['available', 'in-use', 'downloading']
    : ['available', 'downloading'];
  const now = toDbTime(env.now());
  const attachment: AttachmentRow = {
    id: randomUUID(),
    volume_id: volume.id,
    instance_uuid: instanceUuid,
    attached_host: null,
    mountpoint: null,
    attach_mode: 'null',
    attach_status: 'reserved',
    connector: null,
    connection_info: null,
    created_at: now,
    updated_at: null,
    attached_at: null,
  };
  await env.db.transaction().execute(async (trx) => {
    const reserved = await transitionVolume(
      trx,
      volume.id,
      { status: 'reserved', updated_at: now },
      expected,
    );
    if (!reserved) {
      const current = (await getVolume(trx, volume.id)) ?? volume;
      const sameInstance =
        instanceUuid !== null &&
        ['in-use', 'reserved'].includes(current.status) &&
        (await attachmentsOfVolume(trx, volume.id)).some((a) => a.instance_uuid === instanceUuid);
      if (!sameInstance) {
        throw invalidVolume(
          `Volume ${volume.id} status must be ${orList(expected)} to reserve, but the current status is ${current.status}.`,
        );
      }
    }
    await insertAttachment(trx, attachment);
  });
  return attachment;
}

/** The access mode an attachment gets: the volume's readonly flag wins, then the request's. */
async function modeFor(
  env: BlockStorageEnv,
  volumeId: string,
  requested: string | undefined,
): Promise<string> {
  const admin = await getVolumeMetadata(env.db, 'admin', volumeId);
  if (admin.readonly === 'True') return 'ro';
  return requested ?? 'null';
}

/**
 * POST /attachments: reserve the volume and, when the caller already has a connector,
 * connect it in the same call (as Nova does for a running server).
 */
export async function createAttachment(
  env: BlockStorageEnv,
  volume: VolumeRow,
  opts: { instanceUuid: string | null; connector: Connector | null; mode: string | undefined },
): Promise<AttachmentRow> {
  refuseErrorStatus(volume, 'created');
  const reserved = await reserve(env, volume, opts.instanceUuid);
  const attachMode = await modeFor(env, volume.id, opts.mode);
  await updateAttachment(env.db, reserved.id, {
    attach_mode: attachMode,
    updated_at: toDbTime(env.now()),
  });
  if (opts.connector) {
    try {
      return await connectAttachment(env, { ...reserved, attach_mode: attachMode }, opts.connector);
    } catch (err) {
      // Cinder leaves nothing behind when the connection fails in a create.
      await finishDetach(env, volume.id, reserved.id);
      throw err;
    }
  }
  return (await getAttachment(env.db, reserved.id))!;
}

/** Whether another attachment of a non-multiattach volume already has a connection. */
async function assertSingleConnection(env: BlockStorageEnv, volume: VolumeRow): Promise<void> {
  if (Number(volume.multiattach) === 1) return;
  const attachments = await attachmentsOfVolume(env.db, volume.id);
  if (attachments.length > 1 && attachments.some((a) => a.connection_info !== null)) {
    throw invalidVolume(`duplicate connectors detected on volume ${volume.id}`);
  }
}

/**
 * PUT /attachments/{id} (or create with a connector): exports the volume to the
 * connector's host and records the connection; the attachment and the volume are
 * `attaching` until the consumer calls os-complete.
 */
export async function connectAttachment(
  env: BlockStorageEnv,
  attachment: AttachmentRow,
  connector: Connector,
): Promise<AttachmentRow> {
  const volume = await getVolume(env.db, attachment.volume_id);
  if (!volume) throw blockStorageErrors.volumeNotFound(attachment.volume_id);
  refuseErrorStatus(volume, 'updated');
  await assertSingleConnection(env, volume);
  let mode = typeof connector.mode === 'string' ? connector.mode : 'rw';
  if (attachment.attach_mode !== 'null') mode = attachment.attach_mode;
  const accessMode = mode === 'ro' ? 'ro' : 'rw';
  const info = await exportVolume(
    volumeDriver(env, volume),
    volumeRef(volume),
    { ...connector, mode: accessMode },
    accessMode,
  );
  const now = toDbTime(env.now());
  await env.db.transaction().execute(async (trx) => {
    await updateAttachment(trx, attachment.id, {
      attach_status: 'attaching',
      attach_mode: accessMode,
      connector: toDbJson({ ...connector, mode: accessMode }),
      connection_info: toDbJson(attachmentConnectionInfo(info, attachment.id)),
      attached_host: typeof connector.host === 'string' ? connector.host : '',
      mountpoint: typeof connector.mountpoint === 'string' ? connector.mountpoint : 'na',
      attached_at: now,
      updated_at: now,
    });
    await transitionVolume(trx, volume.id, {
      status: 'attaching',
      attach_status: 'attaching',
      updated_at: now,
    });
  });
  return (await getAttachment(env.db, attachment.id))!;
}

/** POST /attachments/{id}/action os-complete: the consumer is connected; the volume is in-use. */
export async function completeAttachment(
  env: BlockStorageEnv,
  attachment: AttachmentRow,
): Promise<void> {
  const now = toDbTime(env.now());
  await env.db.transaction().execute(async (trx) => {
    await updateAttachment(trx, attachment.id, { attach_status: 'attached', updated_at: now });
    await transitionVolume(trx, attachment.volume_id, {
      status: 'in-use',
      attach_status: 'attached',
      updated_at: now,
    });
  });
}

/** The connector an attachment was connected with, if it ever was. */
export function storedConnector(attachment: AttachmentRow): Connector | undefined {
  return attachment.connector === null ? undefined : fromDbJson<Connector>(attachment.connector);
}

/**
 * DELETE /attachments/{id}: ends the backend export if there was one, removes the
 * attachment and lets the remaining ones decide the volume's status. Returns what remains.
 */
export async function deleteAttachment(
  env: BlockStorageEnv,
  attachment: AttachmentRow,
): Promise<AttachmentRow[]> {
  const volume = await getVolume(env.db, attachment.volume_id);
  const connector = storedConnector(attachment);
  if (volume && connector && attachment.attach_status !== 'reserved') {
    try {
      await unexportVolume(volumeDriver(env, volume), volumeRef(volume), connector);
    } catch (err) {
      // Cinder's terminate failure is a 500 and the attachment stays, so it can be retried.
      throw new ApiError(
        500,
        'block_storage.terminate_connection_failed',
        `Terminate volume connection failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
  await finishDetach(env, attachment.volume_id, attachment.id);
  return attachmentsOfVolume(env.db, attachment.volume_id);
}
