import type { TaskHandler } from '../../../../core/tasks/index.ts';
import { TaskError } from '../../../../core/tasks/index.ts';
import { toDbTime } from '../../../../core/db/index.ts';
import { volumeRef } from '../../data-plane/volume-refs.ts';
import type { BlockStorageEnv } from '../../env.ts';
import type { BlockStorageTables } from '../../store/tables.ts';
import { getVolumeTypeRef, isMultiattachType } from '../../store/volume-type-refs.ts';
import { getVolume, transitionVolume } from '../../store/volumes.ts';
import { backendOfHost, scheduleVolume } from '../scheduler.ts';
import type { ExtendVolumePayload, RetypeVolumePayload } from '../volume-task-kinds.ts';
import { errorText, failVolume, isRetryable } from './volume-task-support.ts';

/**
 * volume.extend: the backend must have room for the growth (else the volume returns to its
 * status with a user message, as Cinder's scheduler answers), then the driver grows it and
 * the new size is recorded. A driver failure leaves it in error_extending.
 */
export function extendVolumeTask(env: BlockStorageEnv): TaskHandler<ExtendVolumePayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const p = ctx.task.payload;
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'extending') return;
      const backend = backendOfHost(env, volume.host);
      const type = await getVolumeTypeRef(env.db, volume.volume_type_id);
      if (!backend || !type) {
        throw new TaskError('block_storage.backend_unavailable', `the backend of host ${volume.host ?? 'none'} is not running`);
      }
      if (ctx.task.step === null) {
        const room = await scheduleVolume(env, {
          sizeGb: p.newSize,
          volumeType: type,
          backendHost: volume.host ?? undefined,
          alreadyAllocatedGb: Number(volume.size),
        });
        if (!room.ok) {
          await failVolume(env, env.db, volume.id, { from: ['extending'], to: p.previousStatus, reason: `No valid backend was found. ${room.reason}` }, {
            ...p,
            action: 'extendVolume',
            detail: 'noBackendAvailable',
          });
          return;
        }
        try {
          await backend.driver.extendVolume(volumeRef(volume), p.newSize);
        } catch (err) {
          if (ctx.signal.aborted || isRetryable(err)) throw err;
          await failVolume(env, env.db, volume.id, { from: ['extending'], to: 'error_extending', reason: errorText(err) }, {
            ...p,
            action: 'extendVolume',
            detail: 'driverFailedExtend',
          });
          return;
        }
        ctx.signal.throwIfAborted();
        await ctx.setStep('extended');
      }
      await transitionVolume(
        env.db,
        volume.id,
        { size: p.newSize, status: p.previousStatus, status_reason: null, updated_at: toDbTime(env.now()) },
        ['extending'],
      );
    },
    async onFailed({ task, failure, trx }) {
      await failVolume(env, trx, task.resourceId, { from: ['extending'], to: 'error_extending', reason: failure.message }, {
        ...task.payload,
        action: 'extendVolume',
        detail: 'driverFailedExtend',
      });
    },
  };
}

/**
 * volume.retype: when the volume's backend also satisfies the new type, only the type
 * changes. Otherwise, with migration_policy on-demand, an available volume moves to a
 * backend that fits (created there, data copied, removed from the old one); without it, or
 * when nothing fits, the volume keeps its type and returns to its status.
 */
export function retypeVolumeTask(env: BlockStorageEnv): TaskHandler<RetypeVolumePayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const p = ctx.task.payload;
      const volume = await getVolume(env.db, ctx.task.resourceId);
      if (!volume || volume.status !== 'retyping') return;
      const type = await getVolumeTypeRef(env.db, p.newTypeId);
      const backend = backendOfHost(env, volume.host);
      const giveUp = async (reason: string) => {
        ctx.logger.warn({ volume: volume.id, reason }, 'retype not possible');
        await failVolume(env, env.db, volume.id, { from: ['retyping'], to: p.previousStatus, reason });
      };
      if (!type) return giveUp(`volume type ${p.newTypeId} no longer exists`);
      const finish = async (extra: Record<string, string | null>) => {
        await transitionVolume(
          env.db,
          volume.id,
          {
            volume_type_id: type.id,
            multiattach: isMultiattachType(type) ? 1 : 0,
            status: p.previousStatus,
            status_reason: null,
            updated_at: toDbTime(env.now()),
            ...extra,
          },
          ['retyping'],
        );
      };
      const inPlace = await scheduleVolume(env, {
        sizeGb: Number(volume.size),
        volumeType: type,
        backendHost: volume.host ?? undefined,
        alreadyAllocatedGb: Number(volume.size),
      });
      if (inPlace.ok) return finish({});
      if (p.migrationPolicy !== 'on-demand' || p.previousStatus !== 'available' || !backend) {
        return giveUp(`No valid backend was found. ${inPlace.reason}`);
      }
      const target = await scheduleVolume(env, { sizeGb: Number(volume.size), volumeType: type });
      if (!target.ok || target.backend === backend) return giveUp(`No valid backend was found. ${target.ok ? 'only the current backend fits' : target.reason}`);
      await transitionVolume(env.db, volume.id, { migration_status: 'migrating' }, ['retyping']);
      const ref = volumeRef(volume);
      const location = await target.backend.driver.createVolume({ id: volume.id, sizeGb: ref.sizeGb });
      await target.backend.driver.writeVolume({ id: volume.id, sizeGb: ref.sizeGb, providerLocation: location }, await backend.driver.readVolume(ref));
      ctx.signal.throwIfAborted();
      await finish({ host: target.backend.poolHost, provider_location: JSON.stringify(location), migration_status: 'success' });
      await backend.driver.deleteVolume(ref).catch((err: unknown) => {
        ctx.logger.warn({ err, volume: volume.id }, 'could not remove a migrated volume from its old backend');
      });
    },
    async onFailed({ task, failure, trx }) {
      await failVolume(env, trx, task.resourceId, {
        from: ['retyping'],
        to: task.payload.previousStatus,
        reason: failure.message,
        patch: { migration_status: null },
      });
    },
  };
}
