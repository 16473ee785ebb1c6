import type { ApiCall } from '../../../core/http/index.ts';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getVolume, type VolumeRow } from '../store/volumes.ts';

/** Cinder's `context.is_admin`: the caller passes context_is_admin (role admin). */
export function isAdminCall(call: ApiCall): boolean {
  return call.can('context_is_admin');
}

/**
 * A volume as Cinder's `volume_api.get` finds it: admins see every project's, others only
 * their own; anything else is 404 so the id's existence is not revealed.
 */
export async function visibleVolume(env: BlockStorageEnv, call: ApiCall, id: string): Promise<VolumeRow> {
  const volume = await getVolume(env.db, id);
  if (!volume) throw blockStorageErrors.volumeNotFound(id);
  if (volume.project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call)) {
    throw blockStorageErrors.volumeNotFound(id);
  }
  return volume;
}

/** The policy target of a volume (Cinder's target_obj=volume). */
export function volumeTarget(volume: VolumeRow): Record<string, unknown> {
  return { project_id: volume.project_id, user_id: volume.user_id, id: volume.id };
}
