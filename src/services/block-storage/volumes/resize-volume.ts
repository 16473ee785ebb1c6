import { volumeErrors } from './volume-errors.ts';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota, hardLimits } from '../quotas.ts';
import { findVolumeTypeRef, getVolumeTypeRef, isMultiattachType } from '../store/volume-type-refs.ts';
import { transitionVolume, type VolumeRow } from '../store/volumes.ts';
import type { Caller } from './caller.ts';
import type { ExtendVolumePayload, RetypeVolumePayload } from './volume-task-kinds.ts';

const IDLE_MIGRATION = [null, 'deleting', 'error', 'success', 'none'];

/**
 * os-extend: the new size must be larger, within the per-volume limit and the project's
 * gigabytes quota; the volume must be available (or in-use, from 3.42, under its own rule).
 */
export async function extendVolume(env: BlockStorageEnv, caller: Caller, volume: VolumeRow, newSize: number, attached: boolean): Promise<void> {
  const expected = attached ? 'in-use' : 'available';
  if (newSize <= Number(volume.size)) {
    throw blockStorageErrors.invalid(
      `Invalid input received: New size for extend must be greater than current size. (current: ${volume.size}, extended: ${newSize}).`,
    );
  }
  const type = await getVolumeTypeRef(env.db, volume.volume_type_id);
  const limits = await hardLimits(env.db, env.settings, volume.project_id);
  const perVolume = limits.per_volume_gigabytes ?? -1;
  if (perVolume >= 0 && newSize > perVolume) {
    throw blockStorageErrors.quotaExceeded(`Requested volume size ${newSize}G is larger than maximum allowed limit ${perVolume}G.`);
  }
  const payload: ExtendVolumePayload = {
    newSize,
    previousStatus: volume.status,
    requestId: caller.requestId,
    projectId: volume.project_id,
  };
  await env.db.transaction().execute(async (trx) => {
    await assertWithinQuota(trx, env.settings, volume.project_id, { gigabytes: newSize - Number(volume.size) }, type?.name);
    const moved = await transitionVolume(trx, volume.id, { status: 'extending', updated_at: toDbTime(env.now()) }, [expected]);
    if (!moved) {
      throw blockStorageErrors.invalid(
        `Invalid volume: Volume ${volume.id} status must be '{'status': '${expected}'}' to extend, currently ${volume.status}.`,
      );
    }
    await env.tasks.enqueue(trx, { kind: 'volume.extend', resourceId: volume.id, payload });
  });
  env.tasks.wake();
}

/** os-retype: Cinder's checks, then the retype task decides between in place and migration. */
export async function retypeVolume(
  env: BlockStorageEnv,
  caller: Caller,
  volume: VolumeRow,
  newTypeRef: string,
  migrationPolicy: 'never' | 'on-demand',
): Promise<void> {
  // Any type may be named here, private ones too (Cinder looks it up elevated).
  const type = await findVolumeTypeRef(env.db, newTypeRef, { projectId: caller.projectId, isAdmin: true });
  if (!type) throw volumeErrors.volumeTypeNotFoundByName(newTypeRef);
  const toMultiattach = isMultiattachType(type);
  if (toMultiattach !== (Number(volume.multiattach) === 1)) {
    if (volume.status !== 'available') {
      throw blockStorageErrors.invalid(
        `Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, the specified volume however currently has a status of: ${volume.status}.`,
      );
    }
    if (toMultiattach) caller.authorize('volume:multiattach', { project_id: volume.project_id, user_id: volume.user_id });
  }
  const refused = () =>
    blockStorageErrors.invalid(
      'Invalid volume: Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, and for in-use volumes front-end qos specs cannot change.',
    );
  if (type.id === volume.volume_type_id || volume.group_id !== null || !IDLE_MIGRATION.includes(volume.migration_status)) {
    throw refused();
  }
  const payload: RetypeVolumePayload = {
    newTypeId: type.id,
    previousStatus: volume.status,
    migrationPolicy,
    requestId: caller.requestId,
    projectId: volume.project_id,
  };
  await env.db.transaction().execute(async (trx) => {
    // The new type's own quotas (volumes_<type>, gigabytes_<type>) must have room.
    await assertWithinQuota(trx, env.settings, volume.project_id, { [`volumes_${type.name}`]: 1, [`gigabytes_${type.name}`]: Number(volume.size) });
    const moved = await transitionVolume(
      trx,
      volume.id,
      { status: 'retyping', updated_at: toDbTime(env.now()) },
      ['available', 'in-use'],
      (eb) => eb.and([eb('volume_type_id', '!=', type.id)]),
    );
    if (!moved) throw refused();
    await env.tasks.enqueue(trx, { kind: 'volume.retype', resourceId: volume.id, payload });
  });
  env.tasks.wake();
}
