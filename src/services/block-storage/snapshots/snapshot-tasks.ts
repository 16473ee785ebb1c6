import type { TaskHandler } from '../../../core/tasks/index.ts';
import { TaskError } from '../../../core/tasks/index.ts';
import { toDbJson, toDbTime } from '../../../core/db/index.ts';
import { snapshotRef } from '../data-plane/volume-refs.ts';
import type { BlockStorageEnv } from '../env.ts';
import { createMessage, type MessageAction, type MessageDetail } from '../store/messages.ts';
import { deleteSnapshotRow, getSnapshot, updateSnapshot } from '../store/snapshots.ts';
import type { BlockStorageTables } from '../store/tables.ts';
import { getVolume } from '../store/volumes.ts';
import { backendOfHost } from '../volumes/scheduler.ts';
import type { Kysely } from 'kysely';

/** What a snapshot task remembers: who asked, for the user message a failure leaves. */
export interface SnapshotTaskPayload {
  readonly requestId: string;
  readonly projectId: string;
}

/** Moves a snapshot to a failure status (while still in `from`) with a user message. */
async function failSnapshot(
  env: BlockStorageEnv,
  db: Kysely<BlockStorageTables>,
  snapshotId: string,
  payload: SnapshotTaskPayload,
  change: { from: string; to: string; action: MessageAction; detail: MessageDetail },
): Promise<void> {
  const now = env.now();
  if (
    await updateSnapshot(db, snapshotId, { status: change.to, updated_at: toDbTime(now) }, [
      change.from,
    ])
  ) {
    await createMessage(
      db,
      {
        projectId: payload.projectId,
        requestId: payload.requestId,
        resourceType: 'VOLUME_SNAPSHOT',
        resourceUuid: snapshotId,
        action: change.action,
        detail: change.detail,
      },
      { now },
    );
  }
}

/**
 * snapshot.create: the backend takes the snapshot (idempotent, so a resumed run may ask
 * again), then the row becomes available with where the backend keeps it. A snapshot whose
 * status was changed meanwhile (reset by an admin, deleted) is left as it is.
 */
export function createSnapshotTask(
  env: BlockStorageEnv,
): TaskHandler<SnapshotTaskPayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const snapshot = await getSnapshot(env.db, ctx.task.resourceId);
      if (!snapshot || snapshot.status !== 'creating') return;
      const volume = await getVolume(env.db, snapshot.volume_id);
      if (!volume)
        throw new TaskError(
          'block_storage.volume_gone',
          `volume ${snapshot.volume_id} no longer exists`,
        );
      const backend = backendOfHost(env, volume.host);
      if (!backend) {
        throw new TaskError(
          'block_storage.backend_unavailable',
          `the backend of host ${volume.host ?? 'none'} is not running`,
          {
            retryable: true,
          },
        );
      }
      const location = await backend.driver.createSnapshot(snapshotRef(snapshot, volume));
      ctx.signal.throwIfAborted();
      await updateSnapshot(
        env.db,
        snapshot.id,
        {
          status: 'available',
          progress: '100%',
          provider_location: toDbJson(location),
          updated_at: toDbTime(env.now()),
        },
        ['creating'],
      );
    },
    async onFailed({ task, trx }) {
      await failSnapshot(env, trx, task.resourceId, task.payload, {
        from: 'creating',
        to: 'error',
        action: 'snapshotCreate',
        detail: 'snapshotCreateError',
      });
    },
  };
}

/**
 * snapshot.delete: the backend drops the snapshot (deleting what is gone succeeds), then
 * the row and its metadata go. A snapshot of a volume without a backend (never scheduled)
 * has nothing to drop.
 */
export function deleteSnapshotTask(
  env: BlockStorageEnv,
): TaskHandler<SnapshotTaskPayload, BlockStorageTables> {
  return {
    retry: { maxAttempts: 3 },
    async run(ctx) {
      const snapshot = await getSnapshot(env.db, ctx.task.resourceId);
      if (!snapshot || snapshot.status !== 'deleting') return;
      const volume = await getVolume(env.db, snapshot.volume_id);
      const backend = volume ? backendOfHost(env, volume.host) : undefined;
      if (volume?.host && !backend) {
        throw new TaskError(
          'block_storage.backend_unavailable',
          `the backend of host ${volume.host} is not running`,
          {
            retryable: true,
          },
        );
      }
      if (volume && backend) await backend.driver.deleteSnapshot(snapshotRef(snapshot, volume));
      ctx.signal.throwIfAborted();
      await env.db.transaction().execute(async (trx) => {
        const still = await getSnapshot(trx, snapshot.id);
        if (still?.status === 'deleting') await deleteSnapshotRow(trx, snapshot.id);
      });
    },
    async onFailed({ task, trx }) {
      await failSnapshot(env, trx, task.resourceId, task.payload, {
        from: 'deleting',
        to: 'error_deleting',
        action: 'snapshotDelete',
        detail: 'snapshotDeleteError',
      });
    },
  };
}
