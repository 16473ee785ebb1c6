import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toDbBool, toDbTime, isUniqueViolation } from '../../../core/db/index.ts';
import type { BlockStorageSettings } from '../env.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, VolumeTypeTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type VolumeTypeRow = VolumeTypeTable;
export type ExtraSpecs = Record<string, string>;

/** The quota resources Cinder keeps per volume type, named `<part>_<type name>`. */
export const PER_TYPE_QUOTA_PARTS = ['volumes', 'gigabytes', 'snapshots'] as const;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export async function getVolumeType(db: Db, id: string): Promise<VolumeTypeRow | undefined> {
  return db
    .selectFrom('block_storage_volume_type')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getVolumeTypeByName(
  db: Db,
  name: string,
): Promise<VolumeTypeRow | undefined> {
  return db
    .selectFrom('block_storage_volume_type')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
}

/**
 * A type by id or by name, as Cinder's get_by_name_or_id: a UUID-looking value is tried as
 * an id first and then as a name (a type may be named like a UUID).
 */
export async function findVolumeType(db: Db, idOrName: string): Promise<VolumeTypeRow | undefined> {
  if (UUID.test(idOrName)) {
    const byId = await getVolumeType(db, idOrName);
    if (byId) return byId;
  }
  return getVolumeTypeByName(db, idOrName);
}

/** Whether a project may see and use a type: it is public, or the project is on its access list. */
export async function volumeTypeVisibleTo(
  db: Db,
  type: VolumeTypeRow,
  projectId: string | undefined,
): Promise<boolean> {
  if (type.is_public === 1) return true;
  if (projectId === undefined) return false;
  const row = await db
    .selectFrom('block_storage_volume_type_access')
    .select('project_id')
    .where('volume_type_id', '=', type.id)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function extraSpecsOf(
  db: Db,
  typeIds: readonly string[],
): Promise<Map<string, ExtraSpecs>> {
  const out = new Map<string, ExtraSpecs>(typeIds.map((id) => [id, {}]));
  if (typeIds.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_volume_type_extra_spec')
    .select(['owner_id', 'key', 'value'])
    .where('owner_id', 'in', [...typeIds])
    .orderBy('key')
    .execute();
  for (const r of rows) out.get(r.owner_id)![r.key] = r.value;
  return out;
}

export async function extraSpecsOfType(db: Db, typeId: string): Promise<ExtraSpecs> {
  return (await extraSpecsOf(db, [typeId])).get(typeId)!;
}

export interface VolumeTypeFilters {
  /** true: public (plus private ones `projectId` may use), false: private only, null: all. */
  readonly isPublic: boolean | null;
  readonly projectId?: string | undefined;
  /** Every pair must be among the type's extra specs. */
  readonly extraSpecs?: ExtraSpecs | undefined;
}

export async function listVolumeTypes(
  db: Db,
  f: VolumeTypeFilters,
  window: ListWindow,
): Promise<VolumeTypeRow[]> {
  let q = db.selectFrom('block_storage_volume_type').selectAll();
  if (f.isPublic === false) q = q.where('is_public', '=', 0);
  if (f.isPublic === true) {
    const projectId = f.projectId;
    q = q.where((eb) =>
      projectId === undefined
        ? eb('is_public', '=', 1)
        : eb.or([
            eb('is_public', '=', 1),
            eb.exists(
              eb
                .selectFrom('block_storage_volume_type_access as a')
                .select('a.project_id')
                .whereRef('a.volume_type_id', '=', 'block_storage_volume_type.id')
                .where('a.project_id', '=', projectId),
            ),
          ]),
    );
  }
  for (const [key, value] of Object.entries(f.extraSpecs ?? {})) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('block_storage_volume_type_extra_spec as s')
          .select('s.owner_id')
          .whereRef('s.owner_id', '=', 'block_storage_volume_type.id')
          .where('s.key', '=', key)
          .where('s.value', '=', value),
      ),
    );
  }
  return applyWindow(q, window).execute();
}

/** Every type's name, for the per-type quota resources. */
export async function allVolumeTypeNames(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('block_storage_volume_type')
    .select('name')
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

export class VolumeTypeNameTaken extends Error {
  constructor(readonly typeName: string) {
    super(`volume type ${typeName} exists`);
  }
}

export interface NewVolumeType {
  readonly name: string;
  readonly description: string | null;
  readonly isPublic: boolean;
  readonly extraSpecs: ExtraSpecs;
  /** Projects given access at once (private types). */
  readonly projects?: readonly string[];
}

/** Inserts a type with its extra specs. @throws VolumeTypeNameTaken */
export async function insertVolumeType(
  db: BlockStorageDb,
  t: NewVolumeType,
  now: Date,
): Promise<VolumeTypeRow> {
  const row: VolumeTypeRow = {
    id: randomUUID(),
    name: t.name,
    description: t.description,
    is_public: toDbBool(t.isPublic),
    qos_specs_id: null,
    created_at: toDbTime(now),
  };
  try {
    await db.transaction().execute(async (trx) => {
      if (await getVolumeTypeByName(trx, t.name)) throw new VolumeTypeNameTaken(t.name);
      await trx.insertInto('block_storage_volume_type').values(row).execute();
      await putExtraSpecs(trx, row.id, t.extraSpecs);
      for (const projectId of new Set(t.projects ?? [])) {
        await trx
          .insertInto('block_storage_volume_type_access')
          .values({ volume_type_id: row.id, project_id: projectId })
          .execute();
      }
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new VolumeTypeNameTaken(t.name);
    throw err;
  }
  return row;
}

/** Sets extra specs, replacing the values of keys that exist. Run inside a transaction. */
export async function putExtraSpecs(db: Db, typeId: string, specs: ExtraSpecs): Promise<void> {
  const keys = Object.keys(specs);
  if (keys.length === 0) return;
  await db
    .deleteFrom('block_storage_volume_type_extra_spec')
    .where('owner_id', '=', typeId)
    .where('key', 'in', keys)
    .execute();
  await db
    .insertInto('block_storage_volume_type_extra_spec')
    .values(keys.map((key) => ({ owner_id: typeId, key, value: specs[key]! })))
    .execute();
}

export async function setExtraSpecs(
  db: BlockStorageDb,
  typeId: string,
  specs: ExtraSpecs,
): Promise<void> {
  await db.transaction().execute((trx) => putExtraSpecs(trx, typeId, specs));
}

/** Removes one extra spec; false when the type had no such key. */
export async function deleteExtraSpec(db: Db, typeId: string, key: string): Promise<boolean> {
  const r = await db
    .deleteFrom('block_storage_volume_type_extra_spec')
    .where('owner_id', '=', typeId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export interface VolumeTypeChanges {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly isPublic?: boolean | undefined;
}

/**
 * Updates a type; a rename also renames its per-type quota limits (volumes_<name> ...), as
 * Cinder's update_quota_resource does, in the same transaction. @throws VolumeTypeNameTaken
 */
export async function updateVolumeType(
  db: BlockStorageDb,
  type: VolumeTypeRow,
  c: VolumeTypeChanges,
): Promise<void> {
  const values: Partial<VolumeTypeRow> = {};
  if (c.name !== undefined) values.name = c.name;
  if (c.description !== undefined) values.description = c.description;
  if (c.isPublic !== undefined) values.is_public = toDbBool(c.isPublic);
  if (Object.keys(values).length === 0) return;
  try {
    await db.transaction().execute(async (trx) => {
      if (c.name !== undefined && c.name !== type.name) {
        const other = await getVolumeTypeByName(trx, c.name);
        if (other && other.id !== type.id) throw new VolumeTypeNameTaken(c.name);
      }
      await trx
        .updateTable('block_storage_volume_type')
        .set(values)
        .where('id', '=', type.id)
        .execute();
      if (c.name !== undefined && c.name !== type.name) {
        for (const part of PER_TYPE_QUOTA_PARTS) {
          const from = `${part}_${type.name}`;
          const to = `${part}_${c.name}`;
          await trx
            .updateTable('block_storage_quota')
            .set({ resource: to })
            .where('resource', '=', from)
            .execute();
          await trx
            .updateTable('block_storage_quota_class')
            .set({ resource: to })
            .where('resource', '=', from)
            .execute();
        }
      }
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new VolumeTypeNameTaken(c.name ?? type.name);
    throw err;
  }
}

/** Whether volumes (or groups) still use the type, which then cannot be deleted or have its specs changed. */
export async function volumeTypeInUse(db: Db, typeId: string): Promise<boolean> {
  const vol = await db
    .selectFrom('block_storage_volume')
    .select('id')
    .where('volume_type_id', '=', typeId)
    .limit(1)
    .executeTakeFirst();
  if (vol) return true;
  const grp = await db
    .selectFrom('block_storage_group_volume_type')
    .select('group_id')
    .where('volume_type_id', '=', typeId)
    .limit(1)
    .executeTakeFirst();
  return grp !== undefined;
}

/** Projects whose own default type this is (3.62): such a type cannot be deleted. */
export async function projectsDefaultingTo(db: Db, typeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('block_storage_default_type')
    .select('project_id')
    .where('volume_type_id', '=', typeId)
    .execute();
  return rows.map((r) => r.project_id);
}

/** Deletes a type with its specs, access list, encryption and per-type quota limits. */
export async function deleteVolumeType(db: BlockStorageDb, type: VolumeTypeRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('block_storage_volume_type_extra_spec')
      .where('owner_id', '=', type.id)
      .execute();
    await trx
      .deleteFrom('block_storage_volume_type_access')
      .where('volume_type_id', '=', type.id)
      .execute();
    await trx
      .deleteFrom('block_storage_volume_type_encryption')
      .where('volume_type_id', '=', type.id)
      .execute();
    const resources = PER_TYPE_QUOTA_PARTS.map((p) => `${p}_${type.name}`);
    await trx.deleteFrom('block_storage_quota').where('resource', 'in', resources).execute();
    await trx.deleteFrom('block_storage_quota_class').where('resource', 'in', resources).execute();
    await trx.deleteFrom('block_storage_volume_type').where('id', '=', type.id).execute();
  });
}

// ---- access lists of private types ----

export async function volumeTypeAccess(db: Db, typeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('block_storage_volume_type_access')
    .select('project_id')
    .where('volume_type_id', '=', typeId)
    .orderBy('project_id')
    .execute();
  return rows.map((r) => r.project_id);
}

/** Grants a project access; false when it had it already. */
export async function addVolumeTypeAccess(
  db: Db,
  typeId: string,
  projectId: string,
): Promise<boolean> {
  try {
    await db
      .insertInto('block_storage_volume_type_access')
      .values({ volume_type_id: typeId, project_id: projectId })
      .execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Revokes a project's access; false when it had none. */
export async function removeVolumeTypeAccess(
  db: Db,
  typeId: string,
  projectId: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('block_storage_volume_type_access')
    .where('volume_type_id', '=', typeId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---- the default type: the configured one, or a project's own (3.62) ----

/** Creates the configured default type (`__DEFAULT__`) if it is missing; safe when replicas race. */
export async function ensureDefaultVolumeType(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
  now: Date,
): Promise<VolumeTypeRow> {
  const name = settings.default_volume_type;
  const existing = await getVolumeTypeByName(db, name);
  if (existing) return existing;
  try {
    return await insertVolumeType(
      db,
      { name, description: 'Default Volume Type', isPublic: true, extraSpecs: {} },
      now,
    );
  } catch (err) {
    if (!(err instanceof VolumeTypeNameTaken)) throw err;
    const raced = await getVolumeTypeByName(db, name);
    if (!raced) throw err;
    return raced;
  }
}

export interface ProjectDefaultType {
  readonly projectId: string;
  readonly volumeTypeId: string;
}

export async function getProjectDefaultType(
  db: Db,
  projectId: string,
): Promise<ProjectDefaultType | undefined> {
  const row = await db
    .selectFrom('block_storage_default_type')
    .selectAll()
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row ? { projectId: row.project_id, volumeTypeId: row.volume_type_id } : undefined;
}

export async function listProjectDefaultTypes(db: Db): Promise<ProjectDefaultType[]> {
  const rows = await db
    .selectFrom('block_storage_default_type')
    .selectAll()
    .orderBy('project_id')
    .execute();
  return rows.map((r) => ({ projectId: r.project_id, volumeTypeId: r.volume_type_id }));
}

export async function setProjectDefaultType(
  db: BlockStorageDb,
  projectId: string,
  typeId: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('block_storage_default_type')
      .where('project_id', '=', projectId)
      .execute();
    await trx
      .insertInto('block_storage_default_type')
      .values({ project_id: projectId, volume_type_id: typeId, created_at: toDbTime(now) })
      .execute();
  });
}

export async function unsetProjectDefaultType(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('block_storage_default_type').where('project_id', '=', projectId).execute();
}
