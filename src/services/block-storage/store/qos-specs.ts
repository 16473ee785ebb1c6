import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, QosSpecTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type QosSpecRow = QosSpecTable;
export type QosKeys = Record<string, string>;

export interface QosSpecs {
  readonly row: QosSpecRow;
  readonly specs: QosKeys;
}

export async function getQosSpec(db: Db, id: string): Promise<QosSpecRow | undefined> {
  return db
    .selectFrom('block_storage_qos_spec')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function qosKeysOf(db: Db, ids: readonly string[]): Promise<Map<string, QosKeys>> {
  const out = new Map<string, QosKeys>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_qos_spec_key')
    .select(['owner_id', 'key', 'value'])
    .where('owner_id', 'in', [...ids])
    .orderBy('key')
    .execute();
  for (const r of rows) out.get(r.owner_id)![r.key] = r.value;
  return out;
}

/** The QoS specs associated with a volume type, for drivers and schedulers. */
export async function qosSpecsOfType(db: Db, typeId: string): Promise<QosSpecs | undefined> {
  const type = await db
    .selectFrom('block_storage_volume_type')
    .select('qos_specs_id')
    .where('id', '=', typeId)
    .executeTakeFirst();
  if (!type?.qos_specs_id) return undefined;
  const row = await getQosSpec(db, type.qos_specs_id);
  if (!row) return undefined;
  return { row, specs: (await qosKeysOf(db, [row.id])).get(row.id)! };
}

export interface QosFilters {
  readonly id?: string | undefined;
  readonly name?: string | undefined;
  readonly consumer?: string | undefined;
}

export async function listQosSpecs(
  db: Db,
  f: QosFilters,
  window: ListWindow,
): Promise<QosSpecRow[]> {
  let q = db.selectFrom('block_storage_qos_spec').selectAll();
  if (f.id !== undefined) q = q.where('id', '=', f.id);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.consumer !== undefined) q = q.where('consumer', '=', f.consumer);
  return applyWindow(q, window).execute();
}

export class QosNameTaken extends Error {
  constructor(readonly qosName: string) {
    super(`qos specs ${qosName} exist`);
  }
}

/** @throws QosNameTaken */
export async function insertQosSpec(
  db: BlockStorageDb,
  name: string,
  consumer: string,
  specs: QosKeys,
  now: Date,
): Promise<QosSpecRow> {
  const row: QosSpecRow = { id: randomUUID(), name, consumer, created_at: toDbTime(now) };
  try {
    await db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('block_storage_qos_spec')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (taken) throw new QosNameTaken(name);
      await trx.insertInto('block_storage_qos_spec').values(row).execute();
      await putQosKeys(trx, row.id, specs);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new QosNameTaken(name);
    throw err;
  }
  return row;
}

async function putQosKeys(db: Db, id: string, specs: QosKeys): Promise<void> {
  const keys = Object.keys(specs);
  if (keys.length === 0) return;
  await db
    .deleteFrom('block_storage_qos_spec_key')
    .where('owner_id', '=', id)
    .where('key', 'in', keys)
    .execute();
  await db
    .insertInto('block_storage_qos_spec_key')
    .values(keys.map((key) => ({ owner_id: id, key, value: specs[key]! })))
    .execute();
}

/** Sets keys (and the consumer, when given) of a spec. */
export async function updateQosSpec(
  db: BlockStorageDb,
  id: string,
  consumer: string | undefined,
  specs: QosKeys,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (consumer !== undefined)
      await trx
        .updateTable('block_storage_qos_spec')
        .set({ consumer })
        .where('id', '=', id)
        .execute();
    await putQosKeys(trx, id, specs);
  });
}

/**
 * Removes keys in order and stops at the first one the spec lacks, which it returns (Cinder
 * keeps the keys removed before it). Undefined when every key was removed.
 */
export async function deleteQosKeys(
  db: BlockStorageDb,
  id: string,
  keys: readonly string[],
): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    for (const key of keys) {
      const r = await trx
        .deleteFrom('block_storage_qos_spec_key')
        .where('owner_id', '=', id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return key;
    }
    return undefined;
  });
}

export interface QosAssociation {
  readonly association_type: 'volume_type';
  readonly id: string;
  readonly name: string;
}

export async function qosAssociations(db: Db, id: string): Promise<QosAssociation[]> {
  const rows = await db
    .selectFrom('block_storage_volume_type')
    .select(['id', 'name'])
    .where('qos_specs_id', '=', id)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ association_type: 'volume_type', id: r.id, name: r.name }));
}

export async function associateQos(db: Db, id: string, typeId: string): Promise<void> {
  await db
    .updateTable('block_storage_volume_type')
    .set({ qos_specs_id: id })
    .where('id', '=', typeId)
    .execute();
}

export async function disassociateQos(db: Db, id: string, typeId: string): Promise<void> {
  await db
    .updateTable('block_storage_volume_type')
    .set({ qos_specs_id: null })
    .where('id', '=', typeId)
    .where('qos_specs_id', '=', id)
    .execute();
}

export async function disassociateAllQos(db: Db, id: string): Promise<void> {
  await db
    .updateTable('block_storage_volume_type')
    .set({ qos_specs_id: null })
    .where('qos_specs_id', '=', id)
    .execute();
}

/** Deletes a spec and its keys; with `force`, its associations go first, else they block it (false). */
export async function deleteQosSpec(
  db: BlockStorageDb,
  id: string,
  force: boolean,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .selectFrom('block_storage_volume_type')
      .select('id')
      .where('qos_specs_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (used && !force) return false;
    if (used) await disassociateAllQos(trx, id);
    await trx.deleteFrom('block_storage_qos_spec_key').where('owner_id', '=', id).execute();
    await trx.deleteFrom('block_storage_qos_spec').where('id', '=', id).execute();
    return true;
  });
}
