import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, toDbTime, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { silentLogger } from '../../../core/observability/index.ts';
import type { ImageStore } from '../drivers.ts';
import type { Caller } from '../image-model.ts';
import { Operations } from '../operations.ts';
import { recoverAbandonedStreams, removeOrphanData } from '../recovery.ts';
import type { ImageEnv } from '../env.ts';
import { listImageRows, type ImageListQuery } from './image-list.ts';
import { changeStatus, findImage, insertImage, saveImageChanges, type NewImage } from './images.ts';
import { addLocation, dropCopyUnlessLast, markImageDeleted, pendingDeletes } from './locations.ts';
import { findMember, insertMember, listMembers, setMemberStatus } from './members.ts';
import { imageMigrations } from './migrations/index.ts';
import type { ImageDb, ImageTables } from './tables.ts';
import { imageUsage } from './usage.ts';

function newImage(owner: string, over: Partial<NewImage> = {}): NewImage {
  return {
    id: randomUUID(),
    name: 'img',
    visibility: 'private',
    protected: false,
    osHidden: false,
    owner,
    diskFormat: 'raw',
    containerFormat: 'bare',
    minDisk: 0,
    minRam: 0,
    properties: {},
    tags: [],
    ...over,
  };
}

function query(caller: Caller, over: Partial<ImageListQuery> = {}): ImageListQuery {
  return {
    caller,
    memberStatus: 'accepted',
    osHidden: false,
    attributes: {},
    times: [],
    ranges: [],
    equals: {},
    tags: [],
    properties: {},
    sort: [
      { column: 'created_at', dir: 'desc' },
      { column: 'id', dir: 'desc' },
    ],
    limit: 100,
    ...over,
  };
}

/** A store that only remembers which image ids it holds, for recovery tests. */
function memoryStore(id: string): ImageStore & { held: Set<string> } {
  const held = new Set<string>();
  return {
    id,
    type: 'memory',
    description: '',
    held,
    async start() {},
    async put(imageId: string) {
      held.add(imageId);
      return { location: `mem://${imageId}`, size: 0, checksum: '', multihash: '' };
    },
    async get() {
      return Readable.from([]);
    },
    async delete(location: string) {
      held.delete(location.slice('mem://'.length));
    },
    async discard(imageId: string) {
      held.delete(imageId);
    },
    async list() {
      return [...held];
    },
    async capacity() {
      return { totalBytes: 1, freeBytes: 1 };
    },
    properties: () => ({}),
  };
}

describeEachDialect('image store', (suite) => {
  let db: ImageDb;
  beforeAll(async () => {
    const handle = await suite.open<ImageTables>();
    await migrateToLatest(handle as unknown as Database, 'image', imageMigrations);
    db = handle.kysely;
  });

  it('saves an image with properties and tags and reads it back', async () => {
    const image = newImage('p1', { properties: { os_distro: 'debian', empty: '' }, tags: ['a', 'b'] });
    await insertImage(db, image, new Date('2024-01-02T03:04:05Z'));
    const found = await findImage(db, image.id);
    expect(found).toMatchObject({ id: image.id, status: 'queued', owner: 'p1', properties: { os_distro: 'debian', empty: '' }, tags: ['a', 'b'] });
    expect(found!.createdAt.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    const changed = await saveImageChanges(db, found!, { ...found!, name: 'renamed', properties: { os_distro: 'ubuntu' }, tags: ['b', 'c'] }, new Date());
    expect(changed).toBe(true);
    expect(await findImage(db, image.id)).toMatchObject({ name: 'renamed', properties: { os_distro: 'ubuntu' }, tags: ['b', 'c'] });
  });

  it('moves status only from the expected one and records large sizes exactly', async () => {
    const image = newImage('p1');
    await insertImage(db, image, new Date());
    expect(await changeStatus(db, image.id, { from: ['active'], to: 'deactivated' }, new Date())).toBe(false);
    expect(await changeStatus(db, image.id, { from: ['queued'], to: 'saving' }, new Date())).toBe(true);
    const size = 5 * 1024 ** 4 + 3;
    expect(await changeStatus(db, image.id, { from: ['saving'], to: 'active', set: { size, checksum: 'c' } }, new Date())).toBe(true);
    expect(await findImage(db, image.id)).toMatchObject({ status: 'active', size });
  });

  it('lists what a project may see, with filters, sort and a marker', async () => {
    const owner = `own-${randomUUID()}`;
    const other = `oth-${randomUUID()}`;
    const base = Date.parse('2030-01-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const image = newImage(owner, { name: `n${i}`, tags: i % 2 ? ['odd'] : [], properties: { idx: String(i) } });
      await insertImage(db, image, new Date(base + i * 1000));
      ids.push(image.id);
    }
    const hidden = newImage(other, { visibility: 'private' });
    const shared = newImage(other, { visibility: 'shared' });
    const community = newImage(other, { visibility: 'community' });
    for (const i of [hidden, shared, community]) await insertImage(db, i, new Date(base));
    await insertMember(db, shared.id, owner, new Date());
    const caller = { projectId: owner, isAdmin: false };
    const seen = (await listImageRows(db, query(caller))).map((r) => r.id);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen).not.toContain(hidden.id);
    expect(seen).not.toContain(community.id);
    expect(seen).not.toContain(shared.id);
    expect((await listImageRows(db, query(caller, { memberStatus: 'pending' }))).map((r) => r.id)).toContain(shared.id);
    await setMemberStatus(db, shared.id, owner, 'accepted', new Date());
    expect((await listImageRows(db, query(caller))).map((r) => r.id)).toContain(shared.id);
    expect((await listImageRows(db, query(caller, { visibility: 'community' }))).map((r) => r.id)).toContain(community.id);

    const mine = { equals: { owner } };
    const page1 = await listImageRows(db, query(caller, { ...mine, limit: 2 }));
    expect(page1.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    const page2 = await listImageRows(db, query(caller, { ...mine, limit: 2, marker: page1[1] }));
    expect(page2.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const byName = await listImageRows(db, query(caller, { ...mine, sort: [{ column: 'name', dir: 'asc' }, { column: 'id', dir: 'asc' }] }));
    expect(byName.map((r) => r.name)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect((await listImageRows(db, query(caller, { ...mine, tags: ['odd'] }))).map((r) => r.id).sort()).toEqual([ids[1], ids[3]].sort());
    expect((await listImageRows(db, query(caller, { ...mine, properties: { idx: '2' } }))).map((r) => r.id)).toEqual([ids[2]]);
    expect((await listImageRows(db, query(caller, { ...mine, attributes: { name: ['n0', 'n4'] } }))).length).toBe(2);
    const after = toDbTime(new Date(base + 2500));
    expect((await listImageRows(db, query(caller, { ...mine, times: [{ column: 'created_at', op: 'gt', value: after }] }))).length).toBe(2);
  });

  it('keeps members unique per image and lists them', async () => {
    const image = newImage('p1', { visibility: 'shared' });
    await insertImage(db, image, new Date());
    await insertMember(db, image.id, 'p2', new Date());
    await expect(insertMember(db, image.id, 'p2', new Date())).rejects.toThrow();
    await setMemberStatus(db, image.id, 'p2', 'rejected', new Date());
    expect((await findMember(db, image.id, 'p2'))?.status).toBe('rejected');
    expect((await listMembers(db, image.id)).map((m) => m.memberId)).toEqual(['p2']);
  });

  it('marks a deleted image with its copies pending removal, once', async () => {
    const image = newImage('p1');
    await insertImage(db, image, new Date());
    await changeStatus(db, image.id, { from: ['queued'], to: 'active' }, new Date());
    await addLocation(db, image.id, 'file', 'file:///x', new Date());
    const copies = await markImageDeleted(db, image.id, new Date());
    expect(copies).toEqual([{ imageId: image.id, storeId: 'file', url: 'file:///x' }]);
    expect(await markImageDeleted(db, image.id, new Date())).toBeUndefined();
    expect(await findImage(db, image.id)).toBeUndefined();
    expect((await pendingDeletes(db, 1000)).some((p) => p.imageId === image.id)).toBe(true);
  });

  it('drops one copy of an image but never its last, even when two drops race', async () => {
    const image = newImage('p1');
    await insertImage(db, image, new Date());
    await changeStatus(db, image.id, { from: ['queued'], to: 'active' }, new Date());
    await addLocation(db, image.id, 'file', 'file:///a', new Date());
    await addLocation(db, image.id, 'rbd', 'rbd://f/p/i/snap', new Date());
    await addLocation(db, image.id, 'third', 'x://3', new Date());
    expect(await dropCopyUnlessLast(db, image.id, 'third', new Date())).toEqual({ imageId: image.id, storeId: 'third', url: 'x://3' });
    expect(await dropCopyUnlessLast(db, image.id, 'third', new Date())).toBeUndefined();
    const raced = await Promise.all([dropCopyUnlessLast(db, image.id, 'file', new Date()), dropCopyUnlessLast(db, image.id, 'rbd', new Date())]);
    expect(raced.filter((r) => r !== undefined)).toHaveLength(1);
    expect((await findImage(db, image.id))!.locations).toHaveLength(1);
  });

  it('counts usage the way Glance does', async () => {
    const owner = `u-${randomUUID()}`;
    const active = newImage(owner);
    const saving = newImage(owner);
    await insertImage(db, active, new Date());
    await insertImage(db, saving, new Date());
    await changeStatus(db, active.id, { from: ['queued'], to: 'active', set: { size: 3 * 1024 * 1024 } }, new Date());
    await addLocation(db, active.id, 'file', 'file:///a', new Date());
    await changeStatus(db, saving.id, { from: ['queued'], to: 'saving' }, new Date());
    expect(await imageUsage(db, owner)).toEqual({ image_size_total: 3 * 1024 * 1024, image_stage_total: 0, image_count_total: 2, image_count_uploading: 1 });
  });

  it('recovers uploads whose worker stopped heartbeating and removes data no image accounts for', async () => {
    const store = memoryStore('file');
    const staging = memoryStore('os_glance_staging_store');
    const env = {
      db,
      stores: new Map([['file', store]]),
      defaultStore: store,
      staging,
      operations: new Operations(db, 'me', 1000, silentLogger()),
      logger: silentLogger(),
      now: () => new Date(),
    } as unknown as Omit<ImageEnv, 'importer'>;
    const now = Date.now();
    const mark = (worker: string, ageMs: number) => ({ op_worker: worker, op_heartbeat: toDbTime(new Date(now - ageMs)) });
    const dead = newImage('p1');
    const alive = newImage('p1');
    const mine = newImage('p1');
    for (const i of [dead, alive, mine]) {
      await insertImage(db, i, new Date());
      store.held.add(i.id);
    }
    await changeStatus(db, dead.id, { from: ['queued'], to: 'saving', set: mark('other', 60_000) }, new Date());
    await changeStatus(db, alive.id, { from: ['queued'], to: 'saving', set: mark('other', 100) }, new Date());
    await changeStatus(db, mine.id, { from: ['queued'], to: 'saving', set: mark('me', 100) }, new Date());
    const recovered = await recoverAbandonedStreams(env);
    expect(recovered).toEqual(expect.arrayContaining([dead.id, mine.id]));
    expect(recovered).not.toContain(alive.id);
    expect((await findImage(db, dead.id))?.status).toBe('queued');
    expect((await findImage(db, alive.id))?.status).toBe('saving');
    expect(store.held.has(dead.id)).toBe(false);

    const located = newImage('p1');
    await insertImage(db, located, new Date());
    await addLocation(db, located.id, 'file', `mem://${located.id}`, new Date());
    store.held.add(located.id);
    const orphan = randomUUID();
    store.held.add(orphan);
    const removed = await removeOrphanData(env);
    expect(removed).toContain(orphan);
    expect(store.held.has(located.id)).toBe(true);
    expect(store.held.has(alive.id)).toBe(true);
  });
});
