import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { isApiError } from '../../../core/errors/index.ts';
import { changeStatus, findImage, insertImage } from '../store/images.ts';
import { addLocation } from '../store/locations.ts';
import { imageMigrations } from '../store/migrations/index.ts';
import type { ImageDb, ImageTables } from '../store/tables.ts';
import { claimTask, findTask, tasksOfImage } from '../store/tasks.ts';
import {
  beginImport,
  completeImport,
  failImport,
  mergeStoreList,
  orphanedImports,
  recordCopy,
  recordStaged,
  recordStoreFailure,
  releaseTask,
  requeueOrphan,
} from './import-state.ts';

const STAGING = 'os_glance_staging_store';
const WORKER = 'w1';

// The import's state moves in transactions whose SQL differs per database (the lock as a
// unique property row, the orphan query's joins): every dialect runs them.
describeEachDialect('image import state', (suite) => {
  let db: ImageDb;

  beforeAll(async () => {
    const handle = await suite.open<ImageTables>();
    await migrateToLatest(handle as unknown as Database, 'image', imageMigrations);
    db = handle.kysely;
  });

  async function image(status: 'queued' | 'uploading' | 'active', staged = false): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await insertImage(
      db,
      {
        id,
        name: 'i',
        visibility: 'private',
        protected: false,
        osHidden: false,
        owner: 'p1',
        diskFormat: 'raw',
        containerFormat: 'bare',
        minDisk: 0,
        minRam: 0,
        properties: {},
        tags: [],
      },
      now,
    );
    if (status !== 'queued')
      await changeStatus(db, id, { from: ['queued'], to: status, set: { size: 10 } }, now);
    if (staged) await recordStaged(db, id, STAGING, `file:///staging/${id}`, now);
    if (status === 'active') await addLocation(db, id, 'file', `file:///images/${id}`, now);
    return id;
  }

  const begin = (
    imageId: string,
    method: 'glance-direct' | 'web-download' | 'copy-image',
    stores = ['file'],
  ) => {
    const taskId = randomUUID();
    return {
      taskId,
      run: () =>
        beginImport(
          db,
          {
            task: {
              id: taskId,
              imageId,
              owner: 'p1',
              userId: 'u1',
              requestId: 'req-1',
              input: { image_id: imageId, import_req: {}, backend: stores },
            },
            method,
            stores,
            stagingId: STAGING,
          },
          new Date(),
        ),
    };
  };

  const status = async (e: Promise<unknown>) => {
    try {
      await e;
      return 0;
    } catch (err) {
      if (isApiError(err)) return err.status;
      throw err;
    }
  };

  it('merges store lists as Glance does (sorted, no empties)', () => {
    expect(mergeStoreList('b,a', ['c'], ['a'])).toBe('b,c');
    expect(mergeStoreList(undefined, [], [])).toBe('');
    expect(mergeStoreList('', ['x', 'x'], [])).toBe('x');
  });

  it('begins a glance-direct import only once the data is staged, taking the lock', async () => {
    const notStaged = await image('uploading');
    expect(await status(begin(notStaged, 'glance-direct').run())).toBe(409);
    expect((await findImage(db, notStaged))?.status).toBe('uploading');
    expect(await tasksOfImage(db, notStaged)).toEqual([]);

    const id = await image('uploading', true);
    const first = begin(id, 'glance-direct');
    await first.run();
    const shown = await findImage(db, id);
    expect(shown?.status).toBe('importing');
    expect(shown?.properties).toMatchObject({
      os_glance_import_task: first.taskId,
      os_glance_importing_to_stores: 'file',
      os_glance_failed_import: '',
    });
    expect((await findTask(db, first.taskId))?.status).toBe('pending');
    // The image is importing now, and its lock is held by a pending task.
    expect(await status(begin(id, 'glance-direct').run())).toBe(409);
    expect(await tasksOfImage(db, id)).toHaveLength(1);
  });

  it('records copies, activates on the last store and completes, dropping the lock', async () => {
    const id = await image('uploading', true);
    const b = begin(id, 'glance-direct', ['file', 'rbd']);
    await b.run();
    expect(await claimTask(db, b.taskId, WORKER, 60_000, new Date())).toBe(true);
    const digest = { size: 10, checksum: 'c'.repeat(32), multihash: 'h'.repeat(128) };
    expect(
      await recordCopy(
        db,
        id,
        { storeId: 'file', url: 'file:///images/x', digest, setActive: false },
        new Date(),
      ),
    ).toBe(true);
    expect((await findImage(db, id))?.status).toBe('importing');
    expect((await findImage(db, id))?.properties.os_glance_importing_to_stores).toBe('rbd');
    expect(
      await recordCopy(
        db,
        id,
        { storeId: 'rbd', url: 'rbd://x', digest, setActive: true },
        new Date(),
      ),
    ).toBe(true);
    const done = await findImage(db, id);
    expect(done).toMatchObject({
      status: 'active',
      checksum: digest.checksum,
      osHashValue: digest.multihash,
      size: 10,
    });
    expect(done?.locations.map((l) => l.storeId).sort()).toEqual(['file', 'rbd']);

    const staged = await completeImport(
      db,
      { taskId: b.taskId, imageId: id, worker: WORKER },
      STAGING,
      new Date(),
    );
    expect(staged).toEqual([{ imageId: id, storeId: STAGING, url: `file:///staging/${id}` }]);
    const after = await findImage(db, id);
    expect(after?.properties.os_glance_import_task).toBeUndefined();
    expect(await findTask(db, b.taskId)).toMatchObject({
      status: 'success',
      result: { image_id: id },
    });
  });

  it('fails an import: copies marked for removal, image queued, stores failed, lock dropped; only with the lease', async () => {
    const id = await image('uploading', true);
    const b = begin(id, 'glance-direct', ['file', 'rbd']);
    await b.run();
    expect(await claimTask(db, b.taskId, WORKER, 60_000, new Date())).toBe(true);
    const digest = { size: 10, checksum: 'c'.repeat(32), multihash: 'h'.repeat(128) };
    await recordCopy(
      db,
      id,
      { storeId: 'file', url: 'file:///images/y', digest, setActive: false },
      new Date(),
    );
    const failure = {
      method: 'glance-direct' as const,
      stores: ['file', 'rbd'],
      failedStores: ['rbd'],
      undoStores: ['file', 'rbd'],
      message: 'rbd broke',
      stagingId: STAGING,
    };
    await expect(
      failImport(
        db,
        { taskId: b.taskId, imageId: id, worker: 'someone-else' },
        failure,
        new Date(),
      ),
    ).rejects.toThrow(/no longer held/);
    expect((await findImage(db, id))?.status).toBe('importing');

    await failImport(db, { taskId: b.taskId, imageId: id, worker: WORKER }, failure, new Date());
    const left = await db
      .selectFrom('image_location')
      .select('store_id')
      .where('image_id', '=', id)
      .execute();
    expect(left).toEqual([]);
    const shown = await findImage(db, id);
    expect(shown).toMatchObject({ status: 'queued', size: null, checksum: null, locations: [] });
    expect(shown?.properties).toEqual({
      os_glance_importing_to_stores: '',
      os_glance_failed_import: 'rbd',
    });
    expect(await findTask(db, b.taskId)).toMatchObject({ status: 'failure', message: 'rbd broke' });

    // A stale lock (its task ended) does not block the next import; web-download starts from queued.
    await db
      .insertInto('image_property')
      .values({ image_id: id, name: 'os_glance_import_task', value: b.taskId })
      .execute();
    const next = begin(id, 'web-download', ['rbd']);
    await next.run();
    expect((await findImage(db, id))?.properties).toMatchObject({
      os_glance_import_task: next.taskId,
      os_glance_failed_import: '',
      os_glance_importing_to_stores: 'rbd',
    });
  });

  it('keeps a copied image active and records a failed store when the others may go on', async () => {
    const id = await image('active');
    const b = begin(id, 'copy-image', ['rbd']);
    await b.run();
    expect((await findImage(db, id))?.status).toBe('active');
    await recordStoreFailure(db, id, 'rbd');
    expect((await findImage(db, id))?.properties).toMatchObject({
      os_glance_importing_to_stores: '',
      os_glance_failed_import: 'rbd',
    });
    expect(await status(begin(await image('queued'), 'copy-image').run())).toBe(409);
  });

  it('finds images left importing without a live task and queues them again; hands tasks back', async () => {
    const live = await image('queued');
    const liveTask = begin(live, 'web-download');
    await liveTask.run();
    const orphan = await image('queued');
    const orphanTask = begin(orphan, 'web-download');
    await orphanTask.run();
    await db.deleteFrom('image_task').where('id', '=', orphanTask.taskId).execute();

    const found = await orphanedImports(db);
    expect(found).toContain(orphan);
    expect(found).not.toContain(live);
    await recordStaged(db, orphan, STAGING, `file:///staging/${orphan}`, new Date());
    await requeueOrphan(db, orphan, STAGING, new Date());
    expect(
      await db
        .selectFrom('image_location')
        .select('store_id')
        .where('image_id', '=', orphan)
        .execute(),
    ).toEqual([]);
    expect(await findImage(db, orphan)).toMatchObject({ status: 'queued' });
    expect((await findImage(db, orphan))?.properties).toEqual({
      os_glance_importing_to_stores: '',
      os_glance_failed_import: 'file',
    });
    expect(await orphanedImports(db)).not.toContain(orphan);

    expect(await claimTask(db, liveTask.taskId, WORKER, 3_600_000, new Date())).toBe(true);
    expect(await claimTask(db, liveTask.taskId, 'w2', 60_000, new Date())).toBe(false);
    await releaseTask(db, liveTask.taskId, WORKER, new Date(Date.now() - 1000));
    expect(await claimTask(db, liveTask.taskId, 'w2', 60_000, new Date())).toBe(true);
  });
});
