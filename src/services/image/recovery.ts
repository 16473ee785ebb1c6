import { toDbTime } from '../../core/db/index.ts';
import type { ImageEnv } from './env.ts';
import { removeCopies } from './image-data.ts';
import { pendingDeletes } from './store/locations.ts';

type RecoveryEnv = Omit<ImageEnv, 'importer'>;

/**
 * Uploads (saving) and stages (uploading, before the data is staged) whose worker died:
 * this worker before a restart, or another one silent for longer than three heartbeats.
 * Their partial data is discarded and the image is queued again, as Glance leaves an image
 * whose upload failed, so the client may simply upload again.
 */
export async function recoverAbandonedStreams(env: RecoveryEnv): Promise<string[]> {
  const staleBefore = toDbTime(new Date(env.now().getTime() - env.operations.staleAfterMs));
  const own = env.operations.workerId;
  const rows = await env.db
    .selectFrom('image_image as i')
    .select(['i.id', 'i.status', 'i.op_worker', 'i.op_heartbeat'])
    .where('i.deleted', '=', 0)
    .where((eb) =>
      eb.or([
        eb('i.status', '=', 'saving'),
        eb.and([
          eb('i.status', '=', 'uploading'),
          eb.not(eb.exists(eb.selectFrom('image_location as l').select('l.image_id').whereRef('l.image_id', '=', 'i.id').where('l.status', '=', 'staged'))),
        ]),
      ]),
    )
    .execute();
  const recovered: string[] = [];
  for (const row of rows) {
    if (env.operations.isActive(row.id)) continue;
    const dead = row.op_worker === null || row.op_heartbeat === null || (row.op_worker === own) || row.op_heartbeat < staleBefore;
    if (!dead) continue;
    const stores = row.status === 'saving' ? [...env.stores.values()] : [env.staging];
    try {
      for (const store of stores) await store.discard(row.id);
    } catch (err) {
      env.logger.warn({ err, image_id: row.id }, 'discarding the data of an abandoned upload failed; will retry');
      continue;
    }
    // Fenced on the mark seen above, so an upload that came back to life is left alone.
    const res = await env.db
      .updateTable('image_image')
      .set({ status: 'queued', size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, op_worker: null, op_heartbeat: null, updated_at: toDbTime(env.now()) })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .where((eb) => (row.op_worker === null ? eb('op_worker', 'is', null) : eb('op_worker', '=', row.op_worker)))
      .where((eb) => (row.op_heartbeat === null ? eb('op_heartbeat', 'is', null) : eb('op_heartbeat', '=', row.op_heartbeat)))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) {
      recovered.push(row.id);
      env.logger.warn({ image_id: row.id, status: row.status, worker: row.op_worker }, 'upload abandoned by its worker: partial data discarded, image queued again');
    }
  }
  return recovered;
}

/**
 * Data in a store that no image accounts for: no location row for that store, no upload
 * streaming into it, no import task that may be writing it. Left by a crash between a
 * store write and its database commit, or by hand. Run at start only, before this worker
 * streams anything.
 */
export async function removeOrphanData(env: RecoveryEnv): Promise<string[]> {
  const removed: string[] = [];
  const staleBefore = toDbTime(new Date(env.now().getTime() - env.operations.staleAfterMs));
  for (const store of [...env.stores.values(), env.staging]) {
    if (!store.list) continue;
    const ids = await store.list();
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      const [located, streaming, tasks] = await Promise.all([
        env.db.selectFrom('image_location').select('image_id').where('store_id', '=', store.id).where('image_id', 'in', batch).execute(),
        env.db
          .selectFrom('image_image')
          .select('id')
          .where('id', 'in', batch)
          .where('deleted', '=', 0)
          .where('op_worker', 'is not', null)
          .where('op_worker', '<>', env.operations.workerId)
          .where('op_heartbeat', '>=', staleBefore)
          .execute(),
        env.db.selectFrom('image_task').select('image_id').where('image_id', 'in', batch).where('status', 'in', ['pending', 'processing']).execute(),
      ]);
      const keep = new Set([...located.map((r) => r.image_id), ...streaming.map((r) => r.id), ...tasks.map((r) => r.image_id)]);
      for (const id of batch.filter((id) => !keep.has(id))) {
        try {
          await store.discard(id);
          removed.push(id);
          env.logger.warn({ image_id: id, store: store.id }, 'removed image data no image accounts for');
        } catch (err) {
          env.logger.warn({ err, image_id: id, store: store.id }, 'removing orphaned image data failed');
        }
      }
    }
  }
  return removed;
}

/** What a worker does on start: abandoned uploads, unfinished deletes, then orphaned data. */
export async function recoverImageData(env: RecoveryEnv): Promise<void> {
  await recoverAbandonedStreams(env);
  // A copy that cannot be removed now keeps its row for the next start.
  await removeCopies(env, await pendingDeletes(env.db, 10_000));
  await removeOrphanData(env);
}
