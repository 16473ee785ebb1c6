import { sql, type Kysely, type SqlBool, type ExpressionBuilder } from 'kysely';
import { applyPage, type SortKey } from '../../../core/db/index.ts';
import type { BlockStorageTables, VolumeTable } from './tables.ts';

/** A stored volume, columns as tables.ts names them (Cinder's names where the API shows them). */
export type VolumeRow = VolumeTable;

/** The database handle or a transaction on it. */
export type BlockStorageQueryable = Kysely<BlockStorageTables>;

/** The three key/value tables hanging off a volume. */
export type VolumeMetadataKind = 'user' | 'admin' | 'image';

const META_TABLE = {
  user: 'block_storage_volume_metadata',
  admin: 'block_storage_volume_admin_metadata',
  image: 'block_storage_volume_image_metadata',
} as const;

export async function getVolume(db: BlockStorageQueryable, id: string): Promise<VolumeRow | undefined> {
  return db.selectFrom('block_storage_volume').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertVolume(
  db: BlockStorageQueryable,
  row: VolumeRow,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await db.insertInto('block_storage_volume').values(row).execute();
  await setVolumeMetadata(db, 'user', row.id, metadata, false);
}

/** Columns a status transition may change besides the status. */
export type VolumePatch = Partial<Omit<VolumeRow, 'id' | 'project_id' | 'created_at'>>;

/**
 * Cinder's conditional_update: writes `patch` only while the volume is in one of `from`
 * (any status when omitted) and, when given, `where` holds too. Returns whether it did,
 * so two racing requests cannot both move a volume out of the same status.
 */
export async function transitionVolume(
  db: BlockStorageQueryable,
  id: string,
  patch: VolumePatch,
  from?: readonly string[],
  where?: (eb: ExpressionBuilder<BlockStorageTables, 'block_storage_volume'>) => ReturnType<ExpressionBuilder<BlockStorageTables, 'block_storage_volume'>['and']>,
): Promise<boolean> {
  let q = db.updateTable('block_storage_volume').set(patch).where('id', '=', id);
  if (from) q = q.where('status', 'in', [...from]);
  if (where) q = q.where(where);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Removes the volume row and its metadata (key/value rows cascade with it). */
export async function deleteVolumeRow(db: BlockStorageQueryable, id: string): Promise<boolean> {
  const r = await db.deleteFrom('block_storage_volume').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function getVolumeMetadata(
  db: BlockStorageQueryable,
  kind: VolumeMetadataKind,
  volumeId: string,
): Promise<Record<string, string>> {
  const rows = await db.selectFrom(META_TABLE[kind]).select(['key', 'value']).where('owner_id', '=', volumeId).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Metadata of many volumes at once, for list views. */
export async function getVolumesMetadata(
  db: BlockStorageQueryable,
  kind: VolumeMetadataKind,
  volumeIds: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (volumeIds.length === 0) return out;
  const rows = await db
    .selectFrom(META_TABLE[kind])
    .select(['owner_id', 'key', 'value'])
    .where('owner_id', 'in', [...volumeIds])
    .execute();
  for (const r of rows) {
    const m = out.get(r.owner_id) ?? {};
    m[r.key] = r.value;
    out.set(r.owner_id, m);
  }
  return out;
}

/**
 * Sets metadata items; with `replace`, items not in `metadata` are removed (Cinder's
 * delete=True). Returns the volume's metadata afterwards.
 */
export async function setVolumeMetadata(
  db: BlockStorageQueryable,
  kind: VolumeMetadataKind,
  volumeId: string,
  metadata: Readonly<Record<string, string>>,
  replace: boolean,
): Promise<Record<string, string>> {
  const table = META_TABLE[kind];
  const keys = Object.keys(metadata);
  if (replace) {
    let q = db.deleteFrom(table).where('owner_id', '=', volumeId);
    if (keys.length) q = q.where('key', 'not in', keys);
    await q.execute();
  }
  if (keys.length) {
    await db.deleteFrom(table).where('owner_id', '=', volumeId).where('key', 'in', keys).execute();
    await db
      .insertInto(table)
      .values(keys.map((key) => ({ owner_id: volumeId, key, value: metadata[key]! })))
      .execute();
  }
  return getVolumeMetadata(db, kind, volumeId);
}

export async function deleteVolumeMetadataKey(
  db: BlockStorageQueryable,
  kind: VolumeMetadataKind,
  volumeId: string,
  key: string,
): Promise<boolean> {
  const r = await db.deleteFrom(META_TABLE[kind]).where('owner_id', '=', volumeId).where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A time comparison filter of Cinder 3.60: `created_at=gt:2020-01-01T00:00:00`. */
export interface TimeComparison {
  readonly op: 'gt' | 'gte' | 'eq' | 'neq' | 'lt' | 'lte';
  /** Stored time format (toDbTime). */
  readonly value: string;
}

/** Columns a volume list can be filtered on with an exact match (or IN for a list). */
export const VOLUME_FILTER_COLUMNS = [
  'id',
  'name',
  'description',
  'status',
  'attach_status',
  'availability_zone',
  'bootable',
  'multiattach',
  'migration_status',
  'group_id',
  'size',
  'user_id',
  'project_id',
  'host',
  'volume_type_id',
  'snapshot_id',
  'source_volid',
  'image_id',
] as const;
export type VolumeFilterColumn = (typeof VOLUME_FILTER_COLUMNS)[number];

export interface VolumeListFilter {
  /** Only this project's volumes; all projects when undefined. */
  readonly projectId?: string | undefined;
  readonly exact?: Partial<Record<VolumeFilterColumn, string | number | null | ReadonlyArray<string | number>>>;
  /** Case-insensitive substring matches (Cinder 3.34 `name~=`). */
  readonly like?: Partial<Record<'name' | 'description' | 'status', string>>;
  /** Every pair must be in the volume's metadata (user or admin metadata, as Cinder). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly imageMetadata?: Readonly<Record<string, string>>;
  readonly createdAt?: readonly TimeComparison[];
  readonly updatedAt?: readonly TimeComparison[];
  /** Hide the temporary targets of migrations (Cinder does for non-admins). */
  readonly noMigrationTargets?: boolean;
}

const OPS = { gt: '>', gte: '>=', eq: '=', neq: '<>', lt: '<', lte: '<=' } as const;

/** `!` escapes LIKE wildcards: a backslash would itself need escaping in MariaDB strings. */
function escapeLike(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

function filtered(db: BlockStorageQueryable, f: VolumeListFilter) {
  let q = db.selectFrom('block_storage_volume');
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  for (const [column, value] of Object.entries(f.exact ?? {})) {
    const col = column as VolumeFilterColumn;
    if (value === null) q = q.where(col, 'is', null);
    else if (Array.isArray(value)) q = value.length ? q.where(col, 'in', value as never[]) : q.where(sql<SqlBool>`1 = 0`);
    else q = q.where(col, '=', value as never);
  }
  for (const [column, value] of Object.entries(f.like ?? {})) {
    // Case-insensitive on every dialect, as Cinder's LIKE is on its usual MySQL collation.
    q = q.where(sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escapeLike(value.toLowerCase())}%`} escape '!'`);
  }
  for (const [key, value] of Object.entries(f.metadata ?? {})) {
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('block_storage_volume_metadata as m')
            .select('m.owner_id')
            .whereRef('m.owner_id', '=', 'block_storage_volume.id')
            .where('m.key', '=', key)
            .where('m.value', '=', value),
        ),
        eb.exists(
          eb
            .selectFrom('block_storage_volume_admin_metadata as am')
            .select('am.owner_id')
            .whereRef('am.owner_id', '=', 'block_storage_volume.id')
            .where('am.key', '=', key)
            .where('am.value', '=', value),
        ),
      ]),
    );
  }
  for (const [key, value] of Object.entries(f.imageMetadata ?? {})) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('block_storage_volume_image_metadata as gm')
          .select('gm.owner_id')
          .whereRef('gm.owner_id', '=', 'block_storage_volume.id')
          .where('gm.key', '=', key)
          .where('gm.value', '=', value),
      ),
    );
  }
  for (const [column, comparisons] of [
    ['created_at', f.createdAt],
    ['updated_at', f.updatedAt],
  ] as const) {
    for (const c of comparisons ?? []) q = q.where(column, OPS[c.op], c.value);
  }
  if (f.noMigrationTargets) {
    q = q.where((eb) => eb.or([eb('migration_status', 'is', null), eb('migration_status', 'not like', 'target:%')]));
  }
  return q;
}

export interface VolumePage {
  /** Sort keys on volume columns, ending with `id`. */
  readonly sort: readonly SortKey[];
  readonly marker?: VolumeRow | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

export async function listVolumes(db: BlockStorageQueryable, f: VolumeListFilter, page: VolumePage): Promise<VolumeRow[]> {
  let q = applyPage(filtered(db, f).selectAll(), { sort: page.sort, marker: page.marker, limit: page.limit });
  if (page.offset) {
    // MariaDB and SQLite need a LIMIT beside OFFSET.
    if (page.limit === undefined) q = q.limit(2 ** 31 - 1);
    q = q.offset(page.offset);
  }
  return q.execute();
}

export async function countVolumes(db: BlockStorageQueryable, f: VolumeListFilter): Promise<number> {
  const r = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Cinder's volume summary: how many volumes, their total size and every metadata value by key. */
export async function volumeSummary(
  db: BlockStorageQueryable,
  projectId: string | undefined,
): Promise<{ count: number; totalSize: number; metadata: Record<string, string[]> }> {
  let q = db.selectFrom('block_storage_volume').select([
    (eb) => eb.fn.countAll<number>().as('n'),
    (eb) => eb.fn.sum<number>('size').as('gb'),
  ]);
  if (projectId !== undefined) q = q.where('project_id', '=', projectId);
  const totals = await q.executeTakeFirstOrThrow();
  let mq = db
    .selectFrom('block_storage_volume_metadata as m')
    .innerJoin('block_storage_volume as v', 'v.id', 'm.owner_id')
    .select(['m.key', 'm.value'])
    .distinct()
    .orderBy('m.key')
    .orderBy('m.value');
  if (projectId !== undefined) mq = mq.where('v.project_id', '=', projectId);
  const metadata: Record<string, string[]> = {};
  for (const r of await mq.execute()) (metadata[r.key] ??= []).push(r.value);
  return { count: Number(totals.n), totalSize: Number(totals.gb ?? 0), metadata };
}

/** Ids of a volume's snapshots, with their statuses (for cascade delete and checks). */
export async function volumeSnapshots(
  db: BlockStorageQueryable,
  volumeId: string,
): Promise<Array<{ id: string; status: string; project_id: string; group_snapshot_id: string | null }>> {
  return db
    .selectFrom('block_storage_snapshot')
    .select(['id', 'status', 'project_id', 'group_snapshot_id'])
    .where('volume_id', '=', volumeId)
    .execute();
}

/** Attachments of a volume that count as attached (Cinder lists only those in views). */
export async function volumeAttachments(db: BlockStorageQueryable, volumeIds: readonly string[]) {
  if (volumeIds.length === 0) return [];
  return db
    .selectFrom('block_storage_attachment')
    .selectAll()
    .where('volume_id', 'in', [...volumeIds])
    .orderBy('created_at')
    .execute();
}
