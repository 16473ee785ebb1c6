import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest, toDbTime, type Database } from '../../core/db/index.ts';
import { describeEachDialect } from '../../core/db/testing.ts';
import { silentLogger } from '../../core/observability/index.ts';
import { TaskQueue } from '../../core/tasks/index.ts';
import type { BlockStorageEnv } from './env.ts';
import { recoverInterruptedOperations } from './recovery.ts';
import { insertAttachment } from './store/attachments.ts';
import { insertGroupType } from './store/group-types.ts';
import { getGroup, getGroupSnapshot, insertGroup, insertGroupSnapshot } from './store/groups.ts';
import { getBackup, insertBackup, type BackupRow } from './store/backups.ts';
import { blockStorageMigrations } from './store/migrations/index.ts';
import { getSnapshot, insertSnapshot, type SnapshotRow } from './store/snapshots.ts';
import type { BlockStorageTables } from './store/tables.ts';
import { insertVolumeType } from './store/volume-types.ts';
import { getVolume, insertVolume, type VolumeRow } from './store/volumes.ts';

/**
 * What the service does at start with operations interrupted without their task (lost) or
 * with it (left to the queue), on each database: the statuses Cinder gives, user messages,
 * deletes queued again, held volumes and snapshots released.
 */
describeEachDialect('block storage: recovery of interrupted operations at start', (suite) => {
  let db: Database<BlockStorageTables>;
  let env: BlockStorageEnv;
  let typeId: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bs-recovery-'));
  const now = toDbTime(new Date(Date.UTC(2024, 0, 1)));

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
    host: 'h@file#file',
    provider_location: null,
    migration_status: null,
    group_id: null,
    created_at: now,
    updated_at: null,
    launched_at: null,
    ...over,
  });
  const snapshot = (volumeId: string, over: Partial<SnapshotRow>): SnapshotRow => ({
    id: randomUUID(),
    volume_id: volumeId,
    project_id: 'p1',
    user_id: 'u1',
    name: null,
    description: null,
    size: 1,
    status: 'available',
    progress: '0%',
    provider_location: null,
    group_snapshot_id: null,
    created_at: now,
    updated_at: null,
    ...over,
  });
  const backup = (volumeId: string, over: Partial<BackupRow>): BackupRow => ({
    id: randomUUID(),
    volume_id: volumeId,
    snapshot_id: null,
    project_id: 'p1',
    user_id: 'u1',
    name: null,
    description: null,
    size: 1,
    status: 'available',
    fail_reason: null,
    availability_zone: 'nova',
    container: null,
    object_count: 0,
    is_incremental: 0,
    parent_id: null,
    location: null,
    data_timestamp: now,
    created_at: now,
    updated_at: null,
    volume_meta: null,
    restore_volume_id: null,
    ...over,
  });
  const addVolume = async (over: Partial<VolumeRow>) => {
    const v = volume(over);
    await insertVolume(db.kysely, v);
    return v.id;
  };
  const status = async (id: string) => (await getVolume(db.kysely, id))?.status;
  const messages = async (id: string) =>
    (await db.kysely.selectFrom('block_storage_message').select('event_id').where('resource_uuid', '=', id).execute()).map((m) => m.event_id);
  const openTasks = async (id: string) => (await env.tasks.list({ resourceId: id, states: ['queued', 'running'] })).map((t) => t.kind);

  beforeAll(async () => {
    db = await suite.open<BlockStorageTables>();
    await migrateToLatest(db as unknown as Database, 'block_storage', blockStorageMigrations);
    typeId = (await insertVolumeType(db.kysely, { name: 'std', description: null, isPublic: true, extraSpecs: {} }, new Date())).id;
    env = {
      db: db.kysely,
      tasks: new TaskQueue<Record<string, object>, BlockStorageTables>({ db, service: 'block_storage', logger: silentLogger() }),
      logger: silentLogger(),
      dataDir,
      now: () => new Date(Date.UTC(2024, 0, 2)),
    } as unknown as BlockStorageEnv;
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('fails lost creates and extends with messages, returns lost uploads and retypes, queues lost deletes again', async () => {
    const creating = await addVolume({ status: 'creating', host: null });
    const resumed = await addVolume({ status: 'creating' });
    await env.tasks.enqueue(db.kysely, { kind: 'volume.create', resourceId: resumed, payload: {} });
    const deleting = await addVolume({ status: 'deleting' });
    const extending = await addVolume({ status: 'extending' });
    const uploading = await addVolume({ status: 'uploading' });
    const retypingAttached = await addVolume({ status: 'retyping', attach_status: 'attached' });
    await insertAttachment(db.kysely, {
      id: randomUUID(),
      volume_id: retypingAttached,
      instance_uuid: randomUUID(),
      attached_host: null,
      mountpoint: '/dev/vdb',
      attach_mode: 'rw',
      attach_status: 'attached',
      connector: null,
      connection_info: null,
      created_at: now,
      updated_at: null,
      attached_at: now,
    });
    fs.mkdirSync(path.join(dataDir, 'scratch', 'upload-x'), { recursive: true });

    await recoverInterruptedOperations(env);

    expect(await status(creating)).toBe('error');
    expect((await getVolume(db.kysely, creating))?.status_reason).toBe('interrupted while creating');
    expect(await messages(creating)).toEqual(['VOLUME_VOLUME_008_001']);
    expect(await status(resumed)).toBe('creating');
    expect(await messages(resumed)).toEqual([]);
    expect(await status(deleting)).toBe('deleting');
    expect(await openTasks(deleting)).toEqual(['volume.delete']);
    expect(await status(extending)).toBe('error_extending');
    expect(await messages(extending)).toEqual(['VOLUME_VOLUME_007_010']);
    expect(await status(uploading)).toBe('available');
    expect(await status(retypingAttached)).toBe('in-use');
    expect(fs.existsSync(path.join(dataDir, 'scratch'))).toBe(false);

    // A second start finds nothing more to do: the queued delete is left to the queue.
    await recoverInterruptedOperations(env);
    expect(await openTasks(deleting)).toEqual(['volume.delete']);
    expect(await messages(creating)).toEqual(['VOLUME_VOLUME_008_001']);
  });

  it('fails lost snapshot creates, queues lost snapshot deletes, frees snapshots of a lost revert', async () => {
    const vol = await addVolume({ status: 'reverting' });
    const creating = snapshot(vol, { status: 'creating' });
    const deleting = snapshot(vol, { status: 'deleting' });
    const restoring = snapshot(vol, { status: 'restoring' });
    for (const s of [creating, deleting, restoring]) await insertSnapshot(db.kysely, s, {});

    await recoverInterruptedOperations(env);

    expect(await status(vol)).toBe('error');
    expect((await getSnapshot(db.kysely, creating.id))?.status).toBe('error');
    expect(await messages(creating.id)).toEqual(['VOLUME_VOLUME_SNAPSHOT_009_013']);
    expect((await getSnapshot(db.kysely, deleting.id))?.status).toBe('deleting');
    expect(await openTasks(deleting.id)).toEqual(['snapshot.delete']);
    expect((await getSnapshot(db.kysely, restoring.id))?.status).toBe('available');
  });

  it('fails lost backups and restores with messages and releases what they held', async () => {
    const source = await addVolume({ status: 'backing-up' });
    const creating = backup(source, { status: 'creating' });
    const target = await addVolume({ status: 'restoring-backup' });
    const restoring = backup(source, { status: 'restoring', restore_volume_id: target, location: '{"file":"x"}' });
    const deleting = backup(source, { status: 'deleting', location: '{"file":"y"}' });
    const snapVolume = await addVolume({});
    const heldSnapshot = snapshot(snapVolume, { status: 'backing-up' });
    await insertSnapshot(db.kysely, heldSnapshot, {});
    const orphanHeld = await addVolume({ status: 'backing-up' });
    for (const b of [creating, restoring, deleting]) await insertBackup(db.kysely, b, {});

    await recoverInterruptedOperations(env);

    expect(await getBackup(db.kysely, creating.id)).toMatchObject({ status: 'error', fail_reason: 'interrupted while creating' });
    expect(await status(source)).toBe('available');
    expect(await messages(creating.id)).toEqual(['VOLUME_VOLUME_BACKUP_013_020']);
    expect(await getBackup(db.kysely, restoring.id)).toMatchObject({ status: 'available', restore_volume_id: null });
    expect(await status(target)).toBe('error_restoring');
    expect(await messages(restoring.id)).toEqual(['VOLUME_VOLUME_BACKUP_015_026']);
    expect((await getBackup(db.kysely, deleting.id))?.status).toBe('deleting');
    expect(await openTasks(deleting.id)).toEqual(['backup.delete']);
    expect((await getSnapshot(db.kysely, heldSnapshot.id))?.status).toBe('available');
    expect(await status(orphanHeld)).toBe('available');
  });

  it('fails lost group creates with their new volumes, leaves groups with a task to it, queues lost group deletes', async () => {
    const groupTypeId = (await insertGroupType(db.kysely, { name: `gt-${randomUUID()}`, description: null, isPublic: true, specs: {} }, new Date())).id;
    const group = (status: string) => ({
      id: randomUUID(),
      project_id: 'p1',
      user_id: 'u1',
      name: null,
      description: null,
      group_type_id: groupTypeId,
      status,
      availability_zone: 'nova',
      host: 'h@file#file',
      group_snapshot_id: null,
      source_group_id: null,
      created_at: now,
    });
    const lost = group('creating');
    const working = group('creating');
    const deleting = group('deleting');
    for (const g of [lost, working, deleting]) await insertGroup(db.kysely, g, [typeId]);
    await env.tasks.enqueue(db.kysely, { kind: 'group.create_from_src', resourceId: working.id, payload: {} });
    const lostMember = await addVolume({ status: 'creating', group_id: lost.id });
    const workingMember = await addVolume({ status: 'creating', group_id: working.id });
    const deletingMember = await addVolume({ status: 'deleting', group_id: deleting.id });
    const gsLost = { id: randomUUID(), group_id: working.id, project_id: 'p1', user_id: 'u1', name: null, description: null, group_type_id: groupTypeId, status: 'creating', created_at: now };
    await insertGroupSnapshot(db.kysely, gsLost);
    const memberSnapshot = snapshot(workingMember, { status: 'creating', group_snapshot_id: gsLost.id });
    await insertSnapshot(db.kysely, memberSnapshot, {});

    await recoverInterruptedOperations(env);

    expect((await getGroup(db.kysely, lost.id))?.status).toBe('error');
    expect(await status(lostMember)).toBe('error');
    expect((await getGroup(db.kysely, working.id))?.status).toBe('creating');
    expect(await status(workingMember)).toBe('creating');
    expect(await messages(workingMember)).toEqual([]);
    expect((await getGroup(db.kysely, deleting.id))?.status).toBe('deleting');
    expect(await openTasks(deleting.id)).toEqual(['group.delete']);
    // The group's delete task takes its volumes: no delete of their own.
    expect(await status(deletingMember)).toBe('deleting');
    expect(await openTasks(deletingMember)).toEqual([]);
    expect((await getGroupSnapshot(db.kysely, gsLost.id))?.status).toBe('error');
    expect((await getSnapshot(db.kysely, memberSnapshot.id))?.status).toBe('error');
  });
});
