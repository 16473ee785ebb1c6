import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation, toDbBool, toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, GroupTypeTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type GroupTypeRow = GroupTypeTable;
export type GroupSpecs = Record<string, string>;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export async function getGroupType(db: Db, id: string): Promise<GroupTypeRow | undefined> {
  return db
    .selectFrom('block_storage_group_type')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getGroupTypeByName(db: Db, name: string): Promise<GroupTypeRow | undefined> {
  return db
    .selectFrom('block_storage_group_type')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
}

/** By id when it looks like one (else, or when no such id, by name), as Cinder's group API resolves `group_type`. */
export async function findGroupType(db: Db, idOrName: string): Promise<GroupTypeRow | undefined> {
  if (UUID.test(idOrName)) {
    const byId = await getGroupType(db, idOrName);
    if (byId) return byId;
  }
  return getGroupTypeByName(db, idOrName);
}

export async function groupTypeVisibleTo(
  db: Db,
  t: GroupTypeRow,
  projectId: string | undefined,
): Promise<boolean> {
  if (t.is_public === 1) return true;
  if (projectId === undefined) return false;
  const row = await db
    .selectFrom('block_storage_group_type_access')
    .select('project_id')
    .where('group_type_id', '=', t.id)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function groupSpecsOf(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, GroupSpecs>> {
  const out = new Map<string, GroupSpecs>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_group_type_spec')
    .select(['owner_id', 'key', 'value'])
    .where('owner_id', 'in', [...ids])
    .orderBy('key')
    .execute();
  for (const r of rows) out.get(r.owner_id)![r.key] = r.value;
  return out;
}

export async function listGroupTypes(
  db: Db,
  f: { isPublic: boolean | null; projectId?: string | undefined },
  window: ListWindow,
): Promise<GroupTypeRow[]> {
  let q = db.selectFrom('block_storage_group_type').selectAll();
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
                .selectFrom('block_storage_group_type_access as a')
                .select('a.project_id')
                .whereRef('a.group_type_id', '=', 'block_storage_group_type.id')
                .where('a.project_id', '=', projectId),
            ),
          ]),
    );
  }
  return applyWindow(q, window).execute();
}

export class GroupTypeNameTaken extends Error {
  constructor(readonly typeName: string) {
    super(`group type ${typeName} exists`);
  }
}

/** @throws GroupTypeNameTaken */
export async function insertGroupType(
  db: BlockStorageDb,
  t: { name: string; description: string | null; isPublic: boolean; specs: GroupSpecs },
  now: Date,
): Promise<GroupTypeRow> {
  const row: GroupTypeRow = {
    id: randomUUID(),
    name: t.name,
    description: t.description,
    is_public: toDbBool(t.isPublic),
    created_at: toDbTime(now),
  };
  try {
    await db.transaction().execute(async (trx) => {
      if (await getGroupTypeByName(trx, t.name)) throw new GroupTypeNameTaken(t.name);
      await trx.insertInto('block_storage_group_type').values(row).execute();
      await putGroupSpecs(trx, row.id, t.specs);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new GroupTypeNameTaken(t.name);
    throw err;
  }
  return row;
}

/** @throws GroupTypeNameTaken */
export async function updateGroupType(
  db: BlockStorageDb,
  t: GroupTypeRow,
  c: {
    name?: string | undefined;
    description?: string | undefined;
    isPublic?: boolean | undefined;
  },
): Promise<void> {
  const values: Partial<GroupTypeRow> = {};
  if (c.name !== undefined) values.name = c.name;
  if (c.description !== undefined) values.description = c.description;
  if (c.isPublic !== undefined) values.is_public = toDbBool(c.isPublic);
  if (Object.keys(values).length === 0) return;
  try {
    await db.transaction().execute(async (trx) => {
      if (c.name !== undefined && c.name !== t.name) {
        const other = await getGroupTypeByName(trx, c.name);
        if (other && other.id !== t.id) throw new GroupTypeNameTaken(c.name);
      }
      await trx
        .updateTable('block_storage_group_type')
        .set(values)
        .where('id', '=', t.id)
        .execute();
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new GroupTypeNameTaken(c.name ?? t.name);
    throw err;
  }
}

export async function groupTypeInUse(db: Db, id: string): Promise<boolean> {
  const g = await db
    .selectFrom('block_storage_group')
    .select('id')
    .where('group_type_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return g !== undefined;
}

export async function deleteGroupType(db: BlockStorageDb, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('block_storage_group_type_spec').where('owner_id', '=', id).execute();
    await trx
      .deleteFrom('block_storage_group_type_access')
      .where('group_type_id', '=', id)
      .execute();
    await trx.deleteFrom('block_storage_group_type').where('id', '=', id).execute();
  });
}

async function putGroupSpecs(db: Db, id: string, specs: GroupSpecs): Promise<void> {
  const keys = Object.keys(specs);
  if (keys.length === 0) return;
  await db
    .deleteFrom('block_storage_group_type_spec')
    .where('owner_id', '=', id)
    .where('key', 'in', keys)
    .execute();
  await db
    .insertInto('block_storage_group_type_spec')
    .values(keys.map((key) => ({ owner_id: id, key, value: specs[key]! })))
    .execute();
}

export async function setGroupSpecs(
  db: BlockStorageDb,
  id: string,
  specs: GroupSpecs,
): Promise<void> {
  await db.transaction().execute((trx) => putGroupSpecs(trx, id, specs));
}

export async function deleteGroupSpec(db: Db, id: string, key: string): Promise<boolean> {
  const r = await db
    .deleteFrom('block_storage_group_type_spec')
    .where('owner_id', '=', id)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
