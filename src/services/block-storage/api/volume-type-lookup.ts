import type { ApiCall } from '../../../core/http/index.ts';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getVolumeType, volumeTypeVisibleTo, type VolumeTypeRow } from '../store/volume-types.ts';
import { isAdminCall } from './volume-access.ts';

/**
 * A type as Cinder's get_volume_type finds it for this caller: admins see every type, other
 * projects public ones and private ones they were given; anything else is 404.
 */
export async function visibleVolumeType(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<VolumeTypeRow> {
  const t = await getVolumeType(env.db, id);
  if (!t) throw blockStorageErrors.volumeTypeNotFound(id);
  if (!isAdminCall(call) && !(await volumeTypeVisibleTo(env.db, t, projectIdOf(call.ctx.auth)))) {
    throw blockStorageErrors.volumeTypeNotFound(id);
  }
  return t;
}

/** A type by id for the admin-only calls (no visibility rule applies). */
export async function existingVolumeType(env: BlockStorageEnv, id: string): Promise<VolumeTypeRow> {
  const t = await getVolumeType(env.db, id);
  if (!t) throw blockStorageErrors.volumeTypeNotFound(id);
  return t;
}
