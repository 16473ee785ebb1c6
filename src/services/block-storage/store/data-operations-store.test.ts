import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, toDbTime, type Database, type SortKey } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import {
  insertAttachment,
  listAttachments,
  statusFromAttachments,
  type AttachmentRow,
} from './attachments.ts';
import {
  backupsOfVolume,
  backupsWithDependents,
  countBackups,
  insertBackup,
  listBackups,
  type BackupRow,
} from './backups.ts';
import { blockStorageMigrations } from './migrations/index.ts';
import {
  deleteMetadataItem,
  mergeMetadata,
  metadataItem,
  metadataOf,
  replaceMetadata,
} from './owned-metadata.ts';
import {
  countSnapshots,
  deleteSnapshotRow,
  getSnapshot,
  insertSnapshot,
  listSnapshots,
  updateSnapshot,
  type SnapshotRow,
} from './snapshots.ts';
import type { BlockStorageTables } from './tables.ts';
import {
  insertTransfer,
  listTransfers,
  moveSnapshotsToProject,
  moveVolumeToProject,
  type TransferRow,
} from './transfers.ts';
import { volumeTypeName } from './volume-type-names.ts';
import { insertVolumeType } from './volume-types.ts';
import { getVolume, insertVolume, type VolumeRow } from './volumes.ts';

const day = (d: number, h = 0) => toDbTime(new Date(Date.UTC(2024, 0, d, h)));
const ids = (rows: ReadonlyArray<{ id: string }>) => rows.map((r) => r.id);

describeEachDialect('block storage snapshot, backup, attachment and transfer store', (suite) => {
  let db: Database<BlockStorageTables>;
  let typeId: string;
  let vol: VolumeRow;
  const snaps: SnapshotRow[] = [];

  const volume = (over: Partial<VolumeRow> = {}): VolumeRow => ({
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
    created_at: day(1),
    updated_at: null,
    launched_at: null,
    ...over,
  });
  const snapshot = (over: Partial<SnapshotRow>): SnapshotRow => ({
    id: randomUUID(),
    volume_id: vol.id,
    project_id: 'p1',
    user_id: 'u1',
    name: null,
    description: null,
    size: 1,
    status: 'available',
    progress: '100%',
    provider_location: null,
    group_snapshot_id: null,
    created_at: day(2),
    updated_at: null,
    ...over,
  });
  const backup = (over: Partial<BackupRow>): BackupRow => ({
    id: randomUUID(),
    volume_id: vol.id,
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
    object_count: 1,
    is_incremental: 0,
    parent_id: null,
    location: '{"memory":"x"}',
    data_timestamp: day(3),
    created_at: day(3),
    updated_at: null,
    volume_meta: null,
    restore_volume_id: null,
    ...over,
  });

  beforeAll(async () => {
    db = await suite.open<BlockStorageTables>();
    await migrateToLatest(db as unknown as Database, 'block_storage', blockStorageMigrations);
    typeId = (
      await insertVolumeType(
        db.kysely,
        { name: 'std', description: null, isPublic: true, extraSpecs: {} },
        new Date(),
      )
    ).id;
    vol = volume();
    await insertVolume(db.kysely, vol);
    // Names chosen so that name order, creation order and id order all differ; one has no name.
    const rows = [
      snapshot({ name: 'beta', created_at: day(2, 1), status: 'available' }),
      snapshot({ name: 'alpha', created_at: day(2, 2), status: 'error' }),
      snapshot({ name: null, created_at: day(2, 3) }),
      snapshot({ name: 'gamma', created_at: day(2, 4), project_id: 'p2' }),
    ];
    for (const r of rows) {
      await insertSnapshot(db.kysely, r, r.name ? { name: r.name, shared: 'yes' } : {});
      snaps.push(r);
    }
  });

  it("lists a project's snapshots newest first, filtered by status, name, volume and metadata", async () => {
    const newestFirst: SortKey[] = [
      { column: 'created_at', dir: 'desc' },
      { column: 'id', dir: 'desc' },
    ];
    const p1 = snaps.filter((s) => s.project_id === 'p1');
    expect(ids(await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: newestFirst }))).toEqual(
      ids([...p1].reverse()),
    );
    expect(ids(await listSnapshots(db.kysely, {}, { sort: newestFirst }))).toHaveLength(4);
    expect(
      ids(
        await listSnapshots(db.kysely, { projectId: 'p1', status: 'error' }, { sort: newestFirst }),
      ),
    ).toEqual([snaps[1]!.id]);
    expect(
      ids(await listSnapshots(db.kysely, { projectId: 'p1', name: 'beta' }, { sort: newestFirst })),
    ).toEqual([snaps[0]!.id]);
    expect(
      await listSnapshots(
        db.kysely,
        { projectId: 'p1', volumeId: randomUUID() },
        { sort: newestFirst },
      ),
    ).toEqual([]);
    expect(
      ids(
        await listSnapshots(
          db.kysely,
          { projectId: 'p1', metadata: { name: 'alpha', shared: 'yes' } },
          { sort: newestFirst },
        ),
      ),
    ).toEqual([snaps[1]!.id]);
    expect(
      await listSnapshots(
        db.kysely,
        { projectId: 'p1', metadata: { name: 'alpha', shared: 'no' } },
        { sort: newestFirst },
      ),
    ).toEqual([]);
    expect(
      await listSnapshots(
        db.kysely,
        { projectId: 'p1', matchNothing: true },
        { sort: newestFirst },
      ),
    ).toEqual([]);
    expect(await countSnapshots(db.kysely, { projectId: 'p1' })).toBe(3);
    expect(await countSnapshots(db.kysely, {})).toBe(4);
  });

  it('sorts by a nullable name the same way on every dialect, and pages after a marker with offset', async () => {
    const byName: SortKey[] = [
      { column: 'name', dir: 'asc', nullable: true },
      { column: 'id', dir: 'asc' },
    ];
    const names = (await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: byName })).map(
      (s) => s.name,
    );
    expect(names).toEqual(['alpha', 'beta', null]);
    const marker = snaps[1]!; // alpha
    const after = await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: byName, marker });
    expect(after.map((s) => s.name)).toEqual(['beta', null]);
    expect(
      (
        await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: byName, offset: 1, limit: 1 })
      ).map((s) => s.name),
    ).toEqual(['beta']);
    expect(
      (await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: byName, offset: 2 })).map(
        (s) => s.name,
      ),
    ).toEqual([null]);
    expect(await listSnapshots(db.kysely, { projectId: 'p1' }, { sort: byName, limit: 0 })).toEqual(
      [],
    );
  });

  it('updates snapshots only from the expected statuses, and deletes them with their metadata', async () => {
    const s = snapshot({ status: 'creating' });
    await insertSnapshot(db.kysely, s, { k: 'v' });
    expect(
      await updateSnapshot(db.kysely, s.id, { status: 'deleting', updated_at: day(5) }, [
        'available',
        'error',
      ]),
    ).toBe(false);
    expect(
      await updateSnapshot(db.kysely, s.id, { status: 'available', updated_at: day(5) }, [
        'creating',
      ]),
    ).toBe(true);
    expect((await getSnapshot(db.kysely, s.id))!.status).toBe('available');
    await deleteSnapshotRow(db.kysely, s.id);
    expect(await getSnapshot(db.kysely, s.id)).toBeUndefined();
    expect(
      (await metadataOf(db.kysely, 'block_storage_snapshot_metadata', [s.id])).get(s.id),
    ).toEqual({});
  });

  it('keeps owned metadata: merge, replace, items', async () => {
    const s = snaps[0]!;
    const table = 'block_storage_snapshot_metadata';
    await db.kysely
      .transaction()
      .execute((trx) => mergeMetadata(trx, table, s.id, { name: 'beta2', extra: 'x' }));
    expect((await metadataOf(db.kysely, table, [s.id])).get(s.id)).toEqual({
      name: 'beta2',
      shared: 'yes',
      extra: 'x',
    });
    await db.kysely
      .transaction()
      .execute((trx) => replaceMetadata(trx, table, s.id, { only: '1' }));
    expect((await metadataOf(db.kysely, table, [s.id])).get(s.id)).toEqual({ only: '1' });
    expect(await metadataItem(db.kysely, table, s.id, 'only')).toBe('1');
    expect(await deleteMetadataItem(db.kysely, table, s.id, 'only')).toBe(true);
    expect(await deleteMetadataItem(db.kysely, table, s.id, 'only')).toBe(false);
  });

  it("finds an incremental's parent candidates newest data first, and which backups have dependents", async () => {
    const full = backup({ data_timestamp: day(3), created_at: day(3), name: 'full' });
    const newer = backup({ data_timestamp: day(4), created_at: day(4), name: 'newer' });
    const inc = backup({
      data_timestamp: day(5),
      created_at: day(5),
      is_incremental: 1,
      parent_id: newer.id,
      name: 'inc',
    });
    const other = backup({ project_id: 'p2', data_timestamp: day(6), created_at: day(6) });
    for (const b of [full, newer, inc, other])
      await insertBackup(db.kysely, b, b === full ? { k: 'v' } : {});
    expect(ids(await backupsOfVolume(db.kysely, vol.id, 'p1'))).toEqual([
      inc.id,
      newer.id,
      full.id,
    ]);
    expect([...(await backupsWithDependents(db.kysely, [full.id, newer.id, inc.id]))]).toEqual([
      newer.id,
    ]);
    const sort: SortKey[] = [
      { column: 'name', dir: 'asc', nullable: true },
      { column: 'id', dir: 'asc' },
    ];
    expect(
      (await listBackups(db.kysely, { projectId: 'p1' }, { sort })).map((b) => b.name),
    ).toEqual(['full', 'inc', 'newer']);
    expect(await countBackups(db.kysely, { projectId: 'p1', name: 'inc' })).toBe(1);
    expect(
      (await metadataOf(db.kysely, 'block_storage_backup_metadata', [full.id])).get(full.id),
    ).toEqual({ k: 'v' });
  });

  it("derives a volume's status from its attachments and lists them by owning project", async () => {
    const v = volume({ status: 'in-use' });
    await insertVolume(db.kysely, v);
    const attachment = (
      attach_status: string,
      over: Partial<AttachmentRow> = {},
    ): AttachmentRow => ({
      id: randomUUID(),
      volume_id: v.id,
      instance_uuid: randomUUID(),
      attached_host: null,
      mountpoint: null,
      attach_mode: 'rw',
      attach_status,
      connector: null,
      connection_info: null,
      created_at: day(7),
      updated_at: null,
      attached_at: null,
      ...over,
    });
    expect(await statusFromAttachments(db.kysely, v.id)).toEqual({
      status: 'available',
      attachStatus: 'detached',
    });
    await insertAttachment(db.kysely, attachment('error_attaching'));
    expect(await statusFromAttachments(db.kysely, v.id)).toEqual({
      status: 'available',
      attachStatus: 'detached',
    });
    await insertAttachment(db.kysely, attachment('reserved'));
    expect(await statusFromAttachments(db.kysely, v.id)).toEqual({
      status: 'reserved',
      attachStatus: 'reserved',
    });
    await insertAttachment(db.kysely, attachment('detaching'));
    expect(await statusFromAttachments(db.kysely, v.id)).toEqual({
      status: 'detaching',
      attachStatus: 'detaching',
    });
    const attached = attachment('attached', { created_at: day(8) });
    await insertAttachment(db.kysely, attached);
    expect(await statusFromAttachments(db.kysely, v.id)).toEqual({
      status: 'in-use',
      attachStatus: 'attached',
    });
    const sort: SortKey[] = [
      { column: 'a.created_at', dir: 'desc' },
      { column: 'a.id', dir: 'desc' },
    ];
    expect(
      (await listAttachments(db.kysely, { projectId: 'p1', volumeId: v.id }, { sort }))[0]!.id,
    ).toBe(attached.id);
    expect(await listAttachments(db.kysely, { projectId: 'p2', volumeId: v.id }, { sort })).toEqual(
      [],
    );
    expect(
      ids(await listAttachments(db.kysely, { attachStatus: 'attached', volumeId: v.id }, { sort })),
    ).toEqual([attached.id]);
  });

  it('moves an awaiting-transfer volume and its snapshots to another project once', async () => {
    const v = volume({ status: 'awaiting-transfer' });
    await insertVolume(db.kysely, v);
    const s = snapshot({ volume_id: v.id });
    await insertSnapshot(db.kysely, s, {});
    const t: TransferRow = {
      id: randomUUID(),
      volume_id: v.id,
      name: 'x',
      salt: 'abcd1234',
      crypt_hash: 'h',
      source_project_id: 'p1',
      destination_project_id: null,
      accepted: 0,
      no_snapshots: 0,
      created_at: day(9),
      expires_at: null,
    };
    await insertTransfer(db.kysely, t);
    expect(
      ids(
        await listTransfers(
          db.kysely,
          { projectId: 'p1' },
          { sort: [{ column: 'id', dir: 'asc' }] },
        ),
      ),
    ).toEqual([t.id]);
    const to = { projectId: 'p3', userId: 'u3' };
    expect(await moveVolumeToProject(db.kysely, v.id, to, day(10))).toBe(true);
    expect(await moveVolumeToProject(db.kysely, v.id, to, day(10))).toBe(false);
    await moveSnapshotsToProject(db.kysely, [s.id], to, day(10));
    expect(await getVolume(db.kysely, v.id)).toMatchObject({
      project_id: 'p3',
      user_id: 'u3',
      status: 'available',
    });
    expect(await getSnapshot(db.kysely, s.id)).toMatchObject({ project_id: 'p3', user_id: 'u3' });
    expect(await volumeTypeName(db.kysely, typeId)).toBe('std');
  });
});
