import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, toDbTime, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import type { BlockStorageSettings } from '../env.ts';
import {
  classLimits,
  defaultLimits,
  hardLimits,
  setClassLimits,
  setProjectLimits,
  usage,
} from '../quotas.ts';
import type { BlockStorageDb } from './db.ts';
import {
  groupSpecsOf,
  insertGroupType,
  listGroupTypes,
  setGroupSpecs,
  GroupTypeNameTaken,
} from './group-types.ts';
import {
  getGroup,
  groupVolumeTypeIds,
  insertGroup,
  updateGroup,
  deleteGroupRow,
  sourceOfCreatingGroup,
} from './groups.ts';
import { createMessage } from './messages.ts';
import { deleteExpiredMessages, listMessages } from './message-queries.ts';
import { blockStorageMigrations } from './migrations/index.ts';
import {
  associateQos,
  deleteQosKeys,
  deleteQosSpec,
  insertQosSpec,
  qosAssociations,
  qosKeysOf,
  QosNameTaken,
} from './qos-specs.ts';
import {
  getServiceByArgs,
  hostMatches,
  listServices,
  registerService,
  setFrozen,
} from './services.ts';
import type { BlockStorageTables } from './tables.ts';
import {
  addVolumeTypeAccess,
  deleteVolumeType,
  ensureDefaultVolumeType,
  extraSpecsOfType,
  getVolumeType,
  insertVolumeType,
  listVolumeTypes,
  updateVolumeType,
  volumeTypeVisibleTo,
  VolumeTypeNameTaken,
} from './volume-types.ts';

const ALL = {
  sort: [
    { column: 'name', dir: 'asc' as const },
    { column: 'id', dir: 'asc' as const },
  ],
};
const settings = {
  default_volume_type: '__DEFAULT__',
  quota_volumes: 10,
  quota_snapshots: 10,
  quota_gigabytes: 1000,
  quota_backups: 10,
  quota_backup_gigabytes: 1000,
  quota_groups: 10,
  per_volume_size_limit: -1,
} as BlockStorageSettings;

describe('host filters', () => {
  it('match hosts as Cinder does at host, backend and pool level', () => {
    expect(hostMatches('aio@fake', 'aio')).toBe(true);
    expect(hostMatches('aio', 'aio')).toBe(true);
    expect(hostMatches('aio2@fake', 'aio')).toBe(false);
    expect(hostMatches('aio@fake', 'aio@fake')).toBe(true);
    expect(hostMatches('aio@fake', 'aio@fake#fake')).toBe(true);
    expect(hostMatches('aio@fake2', 'aio@fake')).toBe(false);
  });
});

describeEachDialect('block storage catalog store', (suite) => {
  let database: Database<BlockStorageTables>;
  let db: BlockStorageDb;
  const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));

  beforeAll(async () => {
    database = await suite.open<BlockStorageTables>();
    await migrateToLatest(database, 'block_storage', blockStorageMigrations);
    db = database.kysely as BlockStorageDb;
  });

  it('creates the default type once, even when asked twice at once', async () => {
    const [a, b] = await Promise.all([
      ensureDefaultVolumeType(db, settings, now),
      ensureDefaultVolumeType(db, settings, now),
    ]);
    expect(a.id).toBe(b.id);
    expect(
      (await listVolumeTypes(db, { isPublic: null }, ALL)).filter((t) => t.name === '__DEFAULT__'),
    ).toHaveLength(1);
  });

  it('keeps type names unique, renames per-type quotas and deletes a type with what hangs on it', async () => {
    const t = await insertVolumeType(
      db,
      {
        name: 'fast',
        description: null,
        isPublic: true,
        extraSpecs: { a: '1', 'capabilities:x': 'y' },
      },
      now,
    );
    await expect(
      insertVolumeType(
        db,
        { name: 'fast', description: null, isPublic: true, extraSpecs: {} },
        now,
      ),
    ).rejects.toBeInstanceOf(VolumeTypeNameTaken);
    expect(await extraSpecsOfType(db, t.id)).toEqual({ a: '1', 'capabilities:x': 'y' });
    await setProjectLimits(db, 'p1', { volumes_fast: 3 });
    await setClassLimits(db, 'default', { gigabytes_fast: 30 });
    await updateVolumeType(db, t, { name: 'faster', isPublic: false });
    expect(await getVolumeType(db, t.id)).toMatchObject({ name: 'faster', is_public: 0 });
    const limits = await hardLimits(db, settings, 'p1');
    expect(limits).toMatchObject({ volumes_faster: 3, gigabytes_faster: 30, snapshots_faster: -1 });
    expect(limits).not.toHaveProperty('volumes_fast');
    const other = await insertVolumeType(
      db,
      { name: 'other', description: null, isPublic: true, extraSpecs: {} },
      now,
    );
    await expect(updateVolumeType(db, other, { name: 'faster' })).rejects.toBeInstanceOf(
      VolumeTypeNameTaken,
    );
    await deleteVolumeType(db, (await getVolumeType(db, t.id))!);
    expect(await getVolumeType(db, t.id)).toBeUndefined();
    expect(await hardLimits(db, settings, 'p1')).not.toHaveProperty('volumes_faster');
    expect(
      await db
        .selectFrom('block_storage_quota')
        .selectAll()
        .where('resource', 'like', '%faster')
        .execute(),
    ).toEqual([]);
  });

  it('lists public types plus the private ones a project may use, and filters by extra specs', async () => {
    const priv = await insertVolumeType(
      db,
      { name: 'private', description: 'p', isPublic: false, extraSpecs: { tier: 'gold' } },
      now,
    );
    const pub = await insertVolumeType(
      db,
      { name: 'public', description: null, isPublic: true, extraSpecs: { tier: 'gold' } },
      now,
    );
    await addVolumeTypeAccess(db, priv.id, 'p-access');
    expect(await addVolumeTypeAccess(db, priv.id, 'p-access')).toBe(false);
    const names = async (f: Parameters<typeof listVolumeTypes>[1]) =>
      (await listVolumeTypes(db, f, ALL)).map((t) => t.name);
    expect(await names({ isPublic: true, projectId: 'p-other' })).not.toContain('private');
    expect(await names({ isPublic: true, projectId: 'p-access' })).toContain('private');
    expect(await names({ isPublic: false })).toEqual(['private']);
    expect(await names({ isPublic: null, extraSpecs: { tier: 'gold' } })).toEqual([
      'private',
      'public',
    ]);
    expect(await volumeTypeVisibleTo(db, priv, 'p-access')).toBe(true);
    expect(await volumeTypeVisibleTo(db, priv, 'p-other')).toBe(false);
    expect(await volumeTypeVisibleTo(db, pub, undefined)).toBe(true);
  });

  it('computes limits from project rows, the default class and config, and counts usage per type', async () => {
    const t = await insertVolumeType(
      db,
      { name: 'usage', description: null, isPublic: true, extraSpecs: {} },
      now,
    );
    expect((await defaultLimits(db, settings)).volumes).toBe(10);
    await setClassLimits(db, 'default', { volumes: 20 });
    await setClassLimits(db, 'gold', { snapshots: 50 });
    expect(await classLimits(db, settings, 'gold')).toMatchObject({
      volumes: 20,
      snapshots: 50,
      volumes_usage: -1,
    });
    await setProjectLimits(db, 'p2', { volumes: 5 });
    expect(await hardLimits(db, settings, 'p2')).toMatchObject({ volumes: 5, snapshots: 10 });
    expect(await hardLimits(db, settings, 'p3')).toMatchObject({ volumes: 20 });
    const vol = randomUUID();
    await db
      .insertInto('block_storage_volume')
      .values({
        id: vol,
        project_id: 'p2',
        user_id: 'u',
        name: null,
        description: null,
        size: 4,
        status: 'available',
        attach_status: 'detached',
        status_reason: null,
        availability_zone: 'nova',
        volume_type_id: t.id,
        snapshot_id: null,
        source_volid: null,
        image_id: null,
        bootable: 0,
        multiattach: 0,
        host: null,
        provider_location: null,
        migration_status: null,
        group_id: null,
        created_at: toDbTime(now),
        updated_at: null,
        launched_at: null,
      })
      .execute();
    await db
      .insertInto('block_storage_snapshot')
      .values({
        id: randomUUID(),
        volume_id: vol,
        project_id: 'p2',
        user_id: 'u',
        name: null,
        description: null,
        size: 4,
        status: 'available',
        progress: '100%',
        provider_location: null,
        group_snapshot_id: null,
        created_at: toDbTime(now),
        updated_at: null,
      })
      .execute();
    expect(await usage(db, 'p2')).toMatchObject({
      volumes: 1,
      snapshots: 1,
      gigabytes: 8,
      volumes_usage: 1,
      snapshots_usage: 1,
      gigabytes_usage: 8,
    });
    await setClassLimits(db, 'default', { volumes: 10 });
  });

  it('stores QoS specs, stops deleting keys at the first missing one, and guards associated specs', async () => {
    const q = await insertQosSpec(db, 'q', 'front-end', { a: '1', b: '2', c: '3' }, now);
    await expect(insertQosSpec(db, 'q', 'both', {}, now)).rejects.toBeInstanceOf(QosNameTaken);
    expect(await deleteQosKeys(db, q.id, ['a', 'zz', 'b'])).toBe('zz');
    expect((await qosKeysOf(db, [q.id])).get(q.id)).toEqual({ b: '2', c: '3' });
    const t = await insertVolumeType(
      db,
      { name: 'qos-type', description: null, isPublic: true, extraSpecs: {} },
      now,
    );
    await associateQos(db, q.id, t.id);
    expect(await qosAssociations(db, q.id)).toEqual([
      { association_type: 'volume_type', id: t.id, name: 'qos-type' },
    ]);
    expect(await deleteQosSpec(db, q.id, false)).toBe(false);
    expect(await deleteQosSpec(db, q.id, true)).toBe(true);
    expect((await getVolumeType(db, t.id))!.qos_specs_id).toBeNull();
  });

  it('registers services idempotently, keeps their state across restarts and freezes conditionally', async () => {
    const id = { host: 'node@fake', binary: 'cinder-volume', availabilityZone: 'nova' };
    const [a, b] = await Promise.all([registerService(db, id, now), registerService(db, id, now)]);
    expect(a.id).toBe(b.id);
    await db
      .updateTable('block_storage_service')
      .set({ disabled: 1, disabled_reason: 'x' })
      .where('id', '=', a.id)
      .execute();
    const later = new Date(now.getTime() + 60_000);
    const again = await registerService(db, id, later);
    expect(again).toMatchObject({
      id: a.id,
      disabled: 1,
      disabled_reason: 'x',
      updated_at: toDbTime(later),
    });
    await registerService(
      db,
      { host: 'node', binary: 'cinder-scheduler', availabilityZone: 'nova' },
      now,
    );
    expect((await listServices(db, { host: 'node' })).map((s) => s.binary).sort()).toEqual([
      'cinder-scheduler',
      'cinder-volume',
    ]);
    expect(await listServices(db, { host: 'node@fake#fake' })).toHaveLength(1);
    expect(await listServices(db, { disabled: false, host: 'node' })).toHaveLength(1);
    expect(await setFrozen(db, [a.id], true)).toEqual([a.id]);
    expect(await setFrozen(db, [a.id], true)).toEqual([]);
    expect((await getServiceByArgs(db, 'node@fake', 'cinder-volume'))!.frozen).toBe(1);
  });

  it('stores group types with specs and groups with their volume types', async () => {
    const gt = await insertGroupType(
      db,
      { name: 'gt', description: null, isPublic: false, specs: { k: 'v' } },
      now,
    );
    await expect(
      insertGroupType(db, { name: 'gt', description: null, isPublic: true, specs: {} }, now),
    ).rejects.toBeInstanceOf(GroupTypeNameTaken);
    await setGroupSpecs(db, gt.id, { k: 'w', l: 'x' });
    expect((await groupSpecsOf(db, [gt.id])).get(gt.id)).toEqual({ k: 'w', l: 'x' });
    expect(
      (await listGroupTypes(db, { isPublic: true, projectId: 'p' }, ALL)).map((t) => t.id),
    ).not.toContain(gt.id);
    expect((await listGroupTypes(db, { isPublic: false }, ALL)).map((t) => t.id)).toContain(gt.id);
    const vt = await insertVolumeType(
      db,
      { name: 'gvt', description: null, isPublic: true, extraSpecs: {} },
      now,
    );
    const g = {
      id: randomUUID(),
      project_id: 'p',
      user_id: 'u',
      name: 'g',
      description: null,
      group_type_id: gt.id,
      status: 'creating',
      availability_zone: 'nova',
      host: 'h@b#b',
      group_snapshot_id: null,
      source_group_id: randomUUID(),
      created_at: toDbTime(now),
    };
    await insertGroup(db, g, [vt.id, vt.id]);
    expect((await groupVolumeTypeIds(db, [g.id])).get(g.id)).toEqual([vt.id]);
    expect(await sourceOfCreatingGroup(db, { groupId: g.source_group_id })).toBe(true);
    expect(await updateGroup(db, g.id, { status: 'available' }, ['deleting'])).toBe(false);
    expect(await updateGroup(db, g.id, { status: 'available' }, ['creating'])).toBe(true);
    await deleteGroupRow(db, g.id);
    expect(await getGroup(db, g.id)).toBeUndefined();
  });

  it('lists user messages by filter and reaps expired ones', async () => {
    const m = (resourceUuid: string) => ({
      projectId: 'pm',
      requestId: 'r',
      resourceType: 'VOLUME' as const,
      resourceUuid,
      action: 'attachVolume' as const,
      detail: 'attachError' as const,
    });
    const kept = await createMessage(db, m('a'), { now: new Date() });
    await createMessage(db, m('b'), { now: new Date(Date.now() - 10_000), ttlSeconds: 1 });
    const window = {
      sort: [
        { column: 'created_at', dir: 'desc' as const },
        { column: 'id', dir: 'desc' as const },
      ],
    };
    expect(await listMessages(db, { projectId: 'pm' }, window)).toHaveLength(2);
    expect(
      (await listMessages(db, { projectId: 'pm', match: { resource_uuid: 'a' } }, window)).map(
        (x) => x.id,
      ),
    ).toEqual([kept]);
    expect(await deleteExpiredMessages(db, new Date())).toBe(1);
    expect((await listMessages(db, { projectId: 'pm' }, window)).map((x) => x.id)).toEqual([kept]);
  });
});
