import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../core/errors/index.ts';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import { getBackup } from '../store/backups.ts';
import { getGroup, groupVolumeTypeIds } from '../store/groups.ts';
import { getSnapshot, type SnapshotRow } from '../store/snapshots.ts';
import {
  defaultVolumeTypeRef,
  findVolumeTypeRef,
  getVolumeTypeRef,
  isMultiattachType,
  type VolumeTypeRef,
} from '../store/volume-type-refs.ts';
import { getVolume, getVolumeMetadata, insertVolume, setVolumeMetadata, type VolumeRow } from '../store/volumes.ts';
import type { Caller } from './caller.ts';
import { volumeErrors } from './volume-errors.ts';
import { ImageServiceClient, volumeImageMetadataOf, type ImageRecord } from './image-service.ts';
import type { CreateVolumePayload, VolumeSource } from './volume-task-kinds.ts';

/** A create request after schema validation, in the API's terms. */
export interface CreateVolumeRequest {
  readonly size?: number | string | null;
  readonly name?: string | null;
  readonly description?: string | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly volumeType?: string | null;
  readonly snapshotId?: string | null;
  readonly sourceVolid?: string | null;
  readonly imageRef?: string | null;
  readonly backupId?: string | null;
  readonly availabilityZone?: string | null;
  readonly groupId?: string | null;
  readonly multiattach?: boolean;
}

const GiB = 1024 ** 3;
const SRC_VOL_PROCEED = ['available', 'in-use'];
const invalidInput = (reason: string) => blockStorageErrors.invalid(`Invalid input received: ${reason}`);

function visible(caller: Caller, projectId: string): boolean {
  return caller.isAdmin || caller.projectId === projectId;
}

async function sourceVolume(env: BlockStorageEnv, caller: Caller, id: string): Promise<VolumeRow> {
  const v = await getVolume(env.db, id);
  if (!v || !visible(caller, v.project_id)) throw blockStorageErrors.volumeNotFound(id);
  if (!SRC_VOL_PROCEED.includes(v.status)) {
    throw blockStorageErrors.invalid("Invalid volume: Originating source volume status must be one of 'available, in-use' values");
  }
  return v;
}

async function sourceSnapshot(env: BlockStorageEnv, caller: Caller, id: string): Promise<SnapshotRow> {
  const s = await getSnapshot(env.db, id);
  if (!s || !visible(caller, s.project_id)) throw blockStorageErrors.snapshotNotFound(id);
  if (s.status !== 'available') {
    throw blockStorageErrors.invalid("Invalid snapshot: Originating snapshot status must be one of 'available' values");
  }
  return s;
}

/** Cinder's _image_uuid_from_ref: an id (possibly a URL ending in one), else a unique name. */
async function findImage(env: BlockStorageEnv, caller: Caller, ref: string): Promise<ImageRecord> {
  const url = env.image().url;
  const unusable = () => blockStorageErrors.invalid('Invalid image identifier or unable to access requested image.');
  if (!url) throw unusable();
  const client = new ImageServiceClient(url, caller.token);
  const id = ref.split('/').pop() ?? ref;
  try {
    const byId = await client.show(id);
    if (byId) return byId;
    const named = await client.findByName(ref);
    if (named.length > 1) throw blockStorageErrors.conflict(`Multiple matches found for '${ref}', use an ID to be more specific.`);
    if (named.length === 1) return named[0]!;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    env.logger.warn({ err, image: ref }, 'image lookup failed');
  }
  throw unusable();
}

/** Cinder's check_image_metadata. */
function checkImage(image: ImageRecord, sizeGb: number): void {
  if (image.status !== 'active') throw invalidInput(`Image ${image.id} is not active.`);
  const imageGb = Math.ceil(Number(image.size ?? 0) / GiB);
  if (imageGb > sizeGb) throw invalidInput(`Size of specified image ${imageGb}GB is larger than volume size ${sizeGb}GB.`);
  const minDisk = Number(image.min_disk ?? 0);
  if (sizeGb < minDisk) throw invalidInput(`Volume size ${sizeGb}GB cannot be smaller than the image minDisk size ${minDisk}GB.`);
  const virtualGb = Math.ceil(Number(image.virtual_size ?? 0) / GiB);
  if (virtualGb > sizeGb) throw invalidInput(`Image virtual size is ${virtualGb}GB and doesn't fit in a volume of size ${sizeGb}GB.`);
}

function parseSize(raw: number | string | null | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw invalidInput(
      `Invalid volume size provided for create request: ${raw} (size argument must be an integer (or string representation of an integer) and greater than zero).`,
    );
  }
  return n;
}

/** Zones volumes may be placed in: the backends' and the configured default. */
function knownZones(env: BlockStorageEnv): Set<string> {
  return new Set([env.settings.default_availability_zone, ...env.backends.map((b) => b.availabilityZone)]);
}

/**
 * POST /volumes, Cinder's API half: resolve and check the type, sources, size and zone,
 * check quota and record the volume (status creating) with its create task in one
 * transaction. Scheduling and the backend work happen in the task.
 */
export async function createVolume(env: BlockStorageEnv, caller: Caller, req: CreateVolumeRequest): Promise<VolumeRow> {
  if (req.multiattach) {
    throw blockStorageErrors.invalid(
      'multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.',
    );
  }
  let type: VolumeTypeRef | undefined;
  if (req.volumeType) {
    type = await findVolumeTypeRef(env.db, req.volumeType, caller);
    if (!type) throw volumeErrors.volumeTypeNotFoundByName(req.volumeType);
  }
  const snapshot = req.snapshotId ? await sourceSnapshot(env, caller, req.snapshotId) : undefined;
  const snapshotVolume = snapshot ? await getVolume(env.db, snapshot.volume_id) : undefined;
  const source = req.sourceVolid ? await sourceVolume(env, caller, req.sourceVolid) : undefined;
  const backup = req.backupId ? await getBackup(env.db, req.backupId) : undefined;
  if (req.backupId && (!backup || !visible(caller, backup.project_id))) throw blockStorageErrors.backupNotFound(req.backupId);
  if (backup && backup.status !== 'available') {
    throw blockStorageErrors.invalid("Invalid backup: Originating backup status must be one of 'available' values");
  }
  const group = req.groupId ? await getGroup(env.db, req.groupId) : undefined;
  if (req.groupId && (!group || !visible(caller, group.project_id))) throw blockStorageErrors.groupNotFound(req.groupId);
  if (group && group.status !== 'available') {
    throw blockStorageErrors.invalid("Invalid group: Originating group status must be one of 'available' values");
  }

  let size = parseSize(req.size);
  const image = req.imageRef ? await findImage(env, caller, req.imageRef) : undefined;
  if (image) caller.authorize('volume:create_from_image', { project_id: caller.projectId, user_id: caller.userId });
  size ??= source ? Number(source.size) : snapshot ? Number(snapshot.size) : backup ? Number(backup.size) : undefined;
  if (size === undefined) throw invalidInput(`Volume size '${String(req.size ?? 'None')}' must be an integer and greater than 0`);
  if (source && size < Number(source.size)) {
    throw invalidInput(`Volume size '${size}'GB cannot be smaller than original volume size  ${source.size}GB. They must be >= original volume size.`);
  }
  if (snapshot && size < Number(snapshot.size)) {
    throw invalidInput(`Volume size '${size}'GB cannot be smaller than the snapshot size ${snapshot.size}GB. They must be >= original snapshot size.`);
  }
  if (backup && size < Number(backup.size)) {
    throw invalidInput(`Volume size ${size}GB cannot be smaller than the backup size ${backup.size}GB. It must be >= backup size.`);
  }
  if (image) checkImage(image, size);

  // Without a requested type a volume takes its source's, else the default.
  const inherited = source?.volume_type_id ?? snapshotVolume?.volume_type_id;
  type ??= inherited ? await getVolumeTypeRef(env.db, inherited) : undefined;
  type ??= await defaultVolumeTypeRef(env.db, caller.projectId, env.settings.default_volume_type);
  if (!type) {
    throw new ApiError(500, 'block_storage.default_type_missing', `The default volume type ${env.settings.default_volume_type} does not exist.`);
  }
  if (group) {
    if (!req.volumeType) throw invalidInput('volume_type must be provided when creating a volume in a group.');
    if (!((await groupVolumeTypeIds(env.db, [group.id])).get(group.id) ?? []).includes(type.id)) {
      throw invalidInput(`Invalid volume_type provided: ${type.id} (requested type must be supported by this group).`);
    }
  }
  const multiattach = isMultiattachType(type);
  if (multiattach) caller.authorize('volume:multiattach', { project_id: caller.projectId, user_id: caller.userId });

  const zone = group?.availability_zone ?? req.availabilityZone ?? source?.availability_zone ?? snapshotVolume?.availability_zone ?? env.settings.default_availability_zone;
  if (!knownZones(env).has(zone)) throw blockStorageErrors.invalid(`Availability zone '${zone}' is invalid.`);
  if (source && source.availability_zone !== zone) throw invalidInput('Volume must be in the same availability zone as the source volume');
  if (snapshotVolume && snapshotVolume.availability_zone !== zone) throw invalidInput('Volume must be in the same availability zone as the snapshot');

  const volumeSource: VolumeSource = image
    ? { kind: 'image', id: image.id, diskFormat: image.disk_format ?? 'raw', sizeBytes: Number(image.size ?? 0) }
    : snapshot
      ? { kind: 'snapshot', id: snapshot.id }
      : source
        ? { kind: 'volume', id: source.id }
        : backup
          ? { kind: 'backup', id: backup.id }
          : { kind: 'empty' };
  const imageMetadata = image
    ? volumeImageMetadataOf(image)
    : source
      ? await getVolumeMetadata(env.db, 'image', source.id)
      : snapshotVolume
        ? await getVolumeMetadata(env.db, 'image', snapshotVolume.id)
        : {};

  const now = toDbTime(env.now());
  const row: VolumeRow = {
    id: randomUUID(),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: req.name ?? null,
    description: req.description ?? null,
    size,
    status: 'creating',
    attach_status: 'detached',
    status_reason: null,
    availability_zone: zone,
    volume_type_id: type.id,
    snapshot_id: snapshot?.id ?? null,
    source_volid: source?.id ?? null,
    image_id: image?.id ?? null,
    bootable: 0,
    multiattach: multiattach ? 1 : 0,
    host: null,
    provider_location: null,
    migration_status: null,
    group_id: group?.id ?? null,
    created_at: now,
    updated_at: null,
    launched_at: null,
  };
  const payload: CreateVolumePayload = {
    source: volumeSource,
    requestId: caller.requestId,
    projectId: caller.projectId,
    ...(image ? { token: caller.token } : {}),
  };
  const typeName = type.name;
  await env.db.transaction().execute(async (trx) => {
    await assertWithinQuota(trx, env.settings, caller.projectId, { volumes: 1, gigabytes: size }, typeName);
    await insertVolume(trx, row, req.metadata ?? {});
    if (Object.keys(imageMetadata).length) await setVolumeMetadata(trx, 'image', row.id, imageMetadata, false);
    await env.tasks.enqueue(trx, { kind: 'volume.create', resourceId: row.id, payload });
  });
  env.tasks.wake();
  return row;
}
