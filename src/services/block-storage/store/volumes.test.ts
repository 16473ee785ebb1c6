import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, toDbTime, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import type { SortKey } from '../../../core/db/index.ts';
import { createMessage, messageEventId, messageText } from './messages.ts';
import { blockStorageMigrations } from './migrations/index.ts';
import type { BlockStorageTables } from './tables.ts';
import { insertVolumeType } from './volume-types.ts';
import {
  countVolumes,
  deleteVolumeMetadataKey,
  deleteVolumeRow,
  getVolume,
  getVolumeMetadata,
  getVolumesMetadata,
  insertVolume,
  listVolumes,
  setVolumeMetadata,
  transitionVolume,
  volumeSummary,
  type VolumeRow,
} from './volumes.ts';

const ID_ASC: SortKey[] = [{ column: 'id', dir: 'asc' }];

describeEachDialect('block storage volume store', (suite) => {
  let db: Database<BlockStorageTables>;
  let typeId: string;
  const ids: string[] = [];

  const volume = (over: Partial<VolumeRow>): VolumeRow => ({
    id: randomUUID(),
    project_id: 'p1',
    user_id: 'u1',
    name: null,
    description: null,
    size: 1,
    status: 'available',
    attach_status: 'detached',
    status_reason: null,
    availability_zone: 'nova',
    volume_type_id: typeId,
    snapshot_id: null,
    source_volid: null,
    image_id: null,
    bootable: 0,
    multiattach: 0,
    host: 'h@fake#fake',
    provider_location: null,
    migration_status: null,
    group_id: null,
    created_at: toDbTime(new Date(Date.UTC(2024, 1, 1))),
    updated_at: null,
    launched_at: null,
    ...over,
  });

  beforeAll(async () => {
    db = await suite.open<BlockStorageTables>();
    await migrateToLatest(db as unknown as Database, 'block_storage', blockStorageMigrations);
    typeId = (await insertVolumeType(db.kysely, { name: 'std', description: null, isPublic: true, extraSpecs: {} }, new Date())).id;
    const day = (d: number) => toDbTime(new Date(Date.UTC(2024, 0, d)));
    const rows = [
      volume({ name: 'alpha', size: 1, bootable: 1, created_at: day(1) }),
      volume({ name: 'beta', size: 2, status: 'error', created_at: day(2) }),
      volume({ name: 'gamma', size: 3, project_id: 'p2', created_at: day(3) }),
      volume({ name: 'Alpha two', size: 4, migration_status: 'target:abc', created_at: day(4) }),
    ];
    for (const r of rows) {
      await insertVolume(db.kysely, r, r.name === 'alpha' ? { tier: 'gold', Type: 'work' } : r.name === 'beta' ? { tier: 'silver' } : {});
      ids.push(r.id);
    }
    await setVolumeMetadata(db.kysely, 'admin', ids[1]!, { readonly: 'True' }, false);
    await setVolumeMetadata(db.kysely, 'image', ids[0]!, { image_name: 'cirros' }, false);
  });

  it('stores and reads a volume with its metadata', async () => {
    const v = await getVolume(db.kysely, ids[0]!);
    expect(v).toMatchObject({ name: 'alpha', size: 1, status: 'available', bootable: 1 });
    expect(await getVolumeMetadata(db.kysely, 'user', ids[0]!)).toEqual({ tier: 'gold', Type: 'work' });
    const many = await getVolumesMetadata(db.kysely, 'user', ids);
    expect(many.get(ids[1]!)).toEqual({ tier: 'silver' });
    expect(many.has(ids[2]!)).toBe(false);
  });

  it('moves status only from the expected statuses (conditional update)', async () => {
    const v = volume({ name: 'cas' });
    await insertVolume(db.kysely, v);
    expect(await transitionVolume(db.kysely, v.id, { status: 'extending' }, ['available'])).toBe(true);
    expect(await transitionVolume(db.kysely, v.id, { status: 'extending' }, ['available'])).toBe(false);
    expect(await transitionVolume(db.kysely, v.id, { status: 'deleting' }, undefined, (eb) => eb.and([eb('attach_status', '!=', 'attached')]))).toBe(true);
    expect((await getVolume(db.kysely, v.id))!.status).toBe('deleting');
    expect(await deleteVolumeRow(db.kysely, v.id)).toBe(true);
    expect(await getVolume(db.kysely, v.id)).toBeUndefined();
    expect(await transitionVolume(db.kysely, v.id, { status: 'available' })).toBe(false);
  });

  it('merges, replaces and deletes metadata; rows go with their volume', async () => {
    const v = volume({ name: 'meta' });
    await insertVolume(db.kysely, v, { a: '1', b: '2' });
    expect(await setVolumeMetadata(db.kysely, 'user', v.id, { b: '3', c: '4' }, false)).toEqual({ a: '1', b: '3', c: '4' });
    expect(await setVolumeMetadata(db.kysely, 'user', v.id, { c: '5' }, true)).toEqual({ c: '5' });
    expect(await setVolumeMetadata(db.kysely, 'user', v.id, {}, true)).toEqual({});
    await setVolumeMetadata(db.kysely, 'image', v.id, { k: 'v' }, false);
    expect(await deleteVolumeMetadataKey(db.kysely, 'image', v.id, 'k')).toBe(true);
    expect(await deleteVolumeMetadataKey(db.kysely, 'image', v.id, 'k')).toBe(false);
    await setVolumeMetadata(db.kysely, 'user', v.id, { x: 'y' }, false);
    await deleteVolumeRow(db.kysely, v.id);
    const left = await db.kysely.selectFrom('block_storage_volume_metadata').select('key').where('owner_id', '=', v.id).execute();
    expect(left).toEqual([]);
  });

  it('filters lists by columns, lists, metadata, image metadata, substrings and times', async () => {
    const names = async (f: Parameters<typeof listVolumes>[1]) =>
      (await listVolumes(db.kysely, f, { sort: ID_ASC })).map((v) => v.name).sort();
    expect(await names({ projectId: 'p1' })).toEqual(['Alpha two', 'alpha', 'beta']);
    expect(await names({})).toEqual(['Alpha two', 'alpha', 'beta', 'gamma']);
    expect(await names({ projectId: 'p1', exact: { status: 'error' } })).toEqual(['beta']);
    expect(await names({ exact: { size: [1, 3] } })).toEqual(['alpha', 'gamma']);
    expect(await names({ exact: { bootable: 1 } })).toEqual(['alpha']);
    expect(await names({ exact: { status: [] } })).toEqual([]);
    expect(await names({ metadata: { tier: 'gold' } })).toEqual(['alpha']);
    expect(await names({ metadata: { tier: 'gold', Type: 'work' } })).toEqual(['alpha']);
    expect(await names({ metadata: { tier: 'GOLD' } })).toEqual([]);
    // Admin metadata (readonly) counts for the metadata filter, as in Cinder.
    expect(await names({ metadata: { readonly: 'True' } })).toEqual(['beta']);
    expect(await names({ imageMetadata: { image_name: 'cirros' } })).toEqual(['alpha']);
    expect(await names({ like: { name: 'ALPH' } })).toEqual(['Alpha two', 'alpha']);
    expect(await names({ like: { name: 'two' } })).toEqual(['Alpha two']);
    expect(await names({ like: { name: '%' } })).toEqual([]);
    expect(await names({ noMigrationTargets: true })).toEqual(['alpha', 'beta', 'gamma']);
    expect(await names({ createdAt: [{ op: 'gte', value: '2024-01-02T00:00:00.000000Z' }, { op: 'lt', value: '2024-01-04T00:00:00.000000Z' }] })).toEqual([
      'beta',
      'gamma',
    ]);
    expect(await countVolumes(db.kysely, { projectId: 'p1', metadata: { tier: 'silver' } })).toBe(1);
  });

  it('sorts and pages with a marker and an offset', async () => {
    const sort: SortKey[] = [
      { column: 'size', dir: 'desc' },
      { column: 'created_at', dir: 'desc' },
      { column: 'id', dir: 'desc' },
    ];
    const first = await listVolumes(db.kysely, {}, { sort, limit: 2 });
    expect(first.map((v) => v.size)).toEqual([4, 3]);
    const next = await listVolumes(db.kysely, {}, { sort, limit: 2, marker: first[1] });
    expect(next.map((v) => v.size)).toEqual([2, 1]);
    const skipped = await listVolumes(db.kysely, {}, { sort, offset: 3 });
    expect(skipped.map((v) => v.size)).toEqual([1]);
    const byName = await listVolumes(db.kysely, { projectId: 'p1' }, {
      sort: [{ column: 'name', dir: 'asc', nullable: true }, { column: 'id', dir: 'asc' }],
    });
    // Names compare by code point on every dialect: upper case first.
    expect(byName.map((v) => v.name)).toEqual(['Alpha two', 'alpha', 'beta']);
  });

  it('sums a project for the volume summary', async () => {
    expect(await volumeSummary(db.kysely, 'p1')).toEqual({ count: 3, totalSize: 7, metadata: { Type: ['work'], tier: ['gold', 'silver'] } });
    expect((await volumeSummary(db.kysely, undefined)).count).toBe(4);
    expect(await volumeSummary(db.kysely, 'nobody')).toEqual({ count: 0, totalSize: 0, metadata: {} });
  });

  it('records user messages with Cinder event ids and texts', async () => {
    const m = { projectId: 'p1', requestId: 'req-1', resourceType: 'VOLUME' as const, resourceUuid: ids[0]!, action: 'scheduleAllocateVolume' as const, detail: 'noBackendAvailable' as const };
    expect(messageEventId(m)).toBe('VOLUME_VOLUME_001_003');
    expect(messageText(m)).toBe('schedule allocate volume:Could not find any available weighted backend.');
    const id = await createMessage(db.kysely, m, { now: new Date(Date.UTC(2024, 5, 1)) });
    const row = await db.kysely.selectFrom('block_storage_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ event_id: 'VOLUME_VOLUME_001_003', message_level: 'ERROR', created_at: '2024-06-01T00:00:00.000000Z', expires_at: '2024-07-01T00:00:00.000000Z' });
  });
});
