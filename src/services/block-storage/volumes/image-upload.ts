import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getVolumeMetadata, transitionVolume, type VolumeRow } from '../store/volumes.ts';
import { getVolumeTypeRef } from '../store/volume-type-refs.ts';
import { extraSpecsOfType } from '../store/volume-types.ts';
import type { Caller } from './caller.ts';
import { ImageServiceClient, type ImageRecord } from './image-service.ts';
import type { UploadImagePayload } from './volume-task-kinds.ts';

export interface UploadToImageRequest {
  readonly imageName: string;
  readonly diskFormat: string;
  readonly containerFormat: string;
  /** 3.1+: visibility and protected of the new image. */
  readonly visibility?: string | undefined;
  readonly protected?: boolean | undefined;
}

/** Image metadata Cinder does not copy onto an uploaded image (glance_core_properties). */
const CORE_PROPERTIES = new Set(['checksum', 'container_format', 'disk_format', 'image_name', 'image_id', 'min_disk', 'min_ram', 'name', 'size']);

/**
 * os-volume_upload_image, Cinder's API half: claim the volume (available -> uploading),
 * create the image record with the caller's token (the volume's custom image properties
 * carried over), queue the upload. A failure before the task exists puts the volume back.
 */
export async function uploadToImage(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  req: UploadToImageRequest,
): Promise<Record<string, unknown>> {
  const url = env.image().url;
  const now = toDbTime(env.now());
  // force needs enable_force_upload, which strata does not offer: in-use volumes are refused.
  if (!(await transitionVolume(env.db, volume.id, { status: 'uploading', updated_at: now }, ['available']))) {
    throw blockStorageErrors.invalid(`Invalid volume: Volume ${volume.id} status must be available`);
  }
  const rollback = () => transitionVolume(env.db, volume.id, { status: volume.status }, ['uploading']);
  let image: ImageRecord;
  try {
    if (!url) throw new Error('the image service is not available');
    const record: Record<string, unknown> = { name: req.imageName, disk_format: req.diskFormat, container_format: req.containerFormat };
    if (req.visibility !== undefined) record.visibility = req.visibility;
    if (req.protected !== undefined) record.protected = req.protected;
    const inherited = await getVolumeMetadata(env.db, 'image', volume.id);
    for (const [k, v] of Object.entries(inherited)) {
      if (CORE_PROPERTIES.has(k) || k in record || k.startsWith('os_glance')) continue;
      record[k] = v;
    }
    image = await new ImageServiceClient(url, caller.token).create(record);
    const payload: UploadImagePayload = {
      imageId: image.id,
      diskFormat: req.diskFormat,
      previousStatus: volume.status,
      token: caller.token,
      requestId: caller.requestId,
      projectId: volume.project_id,
    };
    await env.tasks.enqueue(env.db, { kind: 'volume.upload_image', resourceId: volume.id, payload });
  } catch (err) {
    await rollback();
    throw blockStorageErrors.invalid((err as Error).message);
  }
  const type = await getVolumeTypeRef(env.db, volume.volume_type_id);
  const response: Record<string, unknown> = {
    id: volume.id,
    updated_at: now.replace(/Z$/, ''),
    status: 'uploading',
    display_description: volume.description,
    size: Number(volume.size),
    volume_type: type
      ? {
          id: type.id,
          name: type.name,
          description: type.row.description,
          is_public: type.isPublic,
          qos_specs_id: type.qosSpecsId,
          extra_specs: await extraSpecsOfType(env.db, type.id),
          created_at: type.row.created_at.replace(/Z$/, ''),
          updated_at: null,
          deleted: false,
          deleted_at: null,
        }
      : null,
    image_id: image.id,
    container_format: image.container_format,
    disk_format: image.disk_format,
    image_name: image.name ?? null,
  };
  if (image.protected !== undefined) response.protected = image.protected;
  if (image.visibility !== undefined) response.visibility = image.visibility;
  return response;
}
