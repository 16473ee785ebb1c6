import type { Kysely } from 'kysely';
import { dbNow, isUniqueViolation } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import { placementErrors } from '../errors.ts';
import { capacityOf } from './inventories.ts';
import { bumpGeneration, type PlacementTx } from './providers.ts';
import type { ConsumerRow, PlacementTables } from './tables.ts';

/** One consumer's allocations as a write asks for them: provider UUID -> class -> amount. */
export interface ConsumerWrite {
  consumerUuid: string;
  projectId: string;
  userId: string;
  /** undefined keeps the stored type (writes before 1.38); null records none. */
  consumerType?: string | null | undefined;
  /** The generation the caller saw (null: a new consumer); undefined skips the check (< 1.28). */
  generation?: number | null | undefined;
  allocations: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export async function findConsumer(db: PlacementTx, uuid: string): Promise<ConsumerRow | undefined> {
  return db.selectFrom('placement_consumer').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

export interface ConsumerAllocation {
  provider_uuid: string;
  provider_generation: number;
  resource_class: string;
  used: number;
}

export async function consumerAllocations(db: PlacementTx, consumerUuid: string): Promise<ConsumerAllocation[]> {
  return db
    .selectFrom('placement_allocation as a')
    .innerJoin('placement_provider as p', 'p.id', 'a.provider_id')
    .select(['p.uuid as provider_uuid', 'p.generation as provider_generation', 'a.resource_class', 'a.used'])
    .where('a.consumer_id', '=', consumerUuid)
    .orderBy('p.id')
    .orderBy('a.resource_class')
    .execute();
}

export async function providerAllocations(db: PlacementTx, providerId: number) {
  return db
    .selectFrom('placement_allocation as a')
    .leftJoin('placement_consumer as c', 'c.uuid', 'a.consumer_id')
    .select(['a.consumer_id', 'a.resource_class', 'a.used', 'c.generation'])
    .where('a.provider_id', '=', providerId)
    .orderBy('a.consumer_id')
    .orderBy('a.resource_class')
    .execute();
}

const consumerConflict = (expected: number | null, actual: number | null) =>
  placementErrors.concurrentUpdate(
    `consumer generation conflict - expected ${expected === null ? 'null' : expected} but got ${actual === null ? 'None' : actual}`,
  );

/** Removes the consumers' allocations after checking their generations; returns the stored rows. */
export async function clearConsumers(db: PlacementTx, writes: readonly ConsumerWrite[]): Promise<Map<string, ConsumerRow>> {
  const stored = new Map<string, ConsumerRow>();
  for (const w of writes) {
    const row = await findConsumer(db, w.consumerUuid);
    if (w.generation !== undefined) {
      const actual = row?.generation ?? null;
      if (actual !== w.generation) throw consumerConflict(w.generation, actual);
    }
    if (row) stored.set(w.consumerUuid, row);
    await db.deleteFrom('placement_allocation').where('consumer_id', '=', w.consumerUuid).execute();
  }
  return stored;
}

interface InventoryUse {
  provider_id: number;
  uuid: string;
  generation: number;
  resource_class: string | null;
  total: number | null;
  reserved: number | null;
  min_unit: number | null;
  max_unit: number | null;
  step_size: number | null;
  allocation_ratio: number | null;
}

/**
 * Writes the consumers' new allocations (their old ones already cleared by clearConsumers):
 * checks each amount against the provider's inventory constraints and free capacity, moves
 * every touched provider's generation on (a concurrent writer then fails its own swap and
 * retries), records the consumers with a new generation and drops those left empty.
 */
export async function replaceAllocations(db: PlacementTx, writes: readonly ConsumerWrite[]): Promise<void> {
  const previous = await providersOfConsumers(db, writes.map((w) => w.consumerUuid));
  const stored = await clearConsumers(db, writes);
  await writeAllocations(db, writes, stored, previous);
}

export async function writeAllocations(
  db: PlacementTx,
  writes: readonly ConsumerWrite[],
  stored: Map<string, ConsumerRow>,
  previous: ReadonlyMap<number, number> = new Map(),
): Promise<void> {
  const providerUuids = [...new Set(writes.flatMap((w) => [...w.allocations.keys()]))];
  const byProvider = new Map<string, InventoryUse[]>();
  if (providerUuids.length) {
    const rows = await db
      .selectFrom('placement_provider as p')
      .leftJoin('placement_inventory as i', 'i.provider_id', 'p.id')
      .select(['p.id as provider_id', 'p.uuid', 'p.generation', 'i.resource_class', 'i.total', 'i.reserved', 'i.min_unit', 'i.max_unit', 'i.step_size', 'i.allocation_ratio'])
      .where('p.uuid', 'in', providerUuids)
      .execute();
    for (const r of rows) byProvider.set(r.uuid, [...(byProvider.get(r.uuid) ?? []), r as InventoryUse]);
  }
  const missing = providerUuids.filter((u) => !byProvider.has(u));
  if (missing.length) throw placementErrors.badRequest(`Allocation for resource provider '${missing[0]}' that does not exist.`);

  const ids = [...byProvider.values()].map((rows) => rows[0]!.provider_id);
  const usedRows = ids.length
    ? await db
        .selectFrom('placement_allocation')
        .select(['provider_id', 'resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
        .where('provider_id', 'in', ids)
        .groupBy(['provider_id', 'resource_class'])
        .execute()
    : [];
  const used = new Map(usedRows.map((r) => [`${r.provider_id}/${r.resource_class}`, Number(r.used)]));

  const now = dbNow();
  const rows: { consumer_id: string; provider_id: number; resource_class: string; used: number; created_at: string }[] = [];
  for (const w of writes) {
    for (const [uuid, resources] of w.allocations) {
      const invs = byProvider.get(uuid)!;
      for (const [rc, amount] of resources) {
        const inv = invs.find((i) => i.resource_class === rc);
        if (!inv || inv.total === null) {
          throw placementErrors.conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${uuid}' invalid.`);
        }
        if (amount < inv.min_unit! || amount > inv.max_unit! || amount % inv.step_size! !== 0) {
          throw placementErrors.conflict(
            `Unable to allocate inventory: Allocation for resource ${rc} on resource provider ${uuid} violates min_unit, max_unit, or step_size.`,
          );
        }
        const key = `${inv.provider_id}/${rc}`;
        const after = (used.get(key) ?? 0) + amount;
        if (after > capacityOf({ total: inv.total, reserved: inv.reserved!, allocation_ratio: inv.allocation_ratio! })) {
          throw placementErrors.conflict(
            `Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${uuid}'. The requested amount would exceed the capacity.`,
          );
        }
        used.set(key, after);
        rows.push({ consumer_id: w.consumerUuid, provider_id: inv.provider_id, resource_class: rc, used: amount, created_at: now });
      }
    }
  }
  // Providers whose allocations changed: the new ones, and the old ones of the cleared consumers.
  const touched = new Map<number, number>(previous);
  for (const invs of byProvider.values()) touched.set(invs[0]!.provider_id, invs[0]!.generation);
  for (const id of [...touched.keys()].sort((a, b) => a - b)) await bumpGeneration(db, id, touched.get(id)!);
  if (rows.length) await db.insertInto('placement_allocation').values(rows).execute();

  for (const w of writes) {
    const before = stored.get(w.consumerUuid);
    const empty = [...w.allocations.values()].every((r) => r.size === 0);
    if (empty) {
      if (before) await db.deleteFrom('placement_consumer').where('uuid', '=', w.consumerUuid).execute();
      continue;
    }
    const consumerType = w.consumerType === undefined ? (before?.consumer_type ?? null) : w.consumerType;
    if (before) {
      const res = await db
        .updateTable('placement_consumer')
        .set({ project_id: w.projectId, user_id: w.userId, consumer_type: consumerType, generation: before.generation + 1, updated_at: now })
        .where('uuid', '=', w.consumerUuid)
        .where('generation', '=', before.generation)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw consumerConflict(before.generation, null);
    } else {
      try {
        await db
          .insertInto('placement_consumer')
          .values({ uuid: w.consumerUuid, project_id: w.projectId, user_id: w.userId, consumer_type: consumerType, generation: 1, created_at: now, updated_at: now })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw consumerConflict(null, null);
        throw err;
      }
    }
  }
}

/** Providers that held allocations of these consumers before a write, so their generations move too. */
export async function providersOfConsumers(db: PlacementTx, consumers: readonly string[]): Promise<Map<number, number>> {
  if (!consumers.length) return new Map();
  const rows = await db
    .selectFrom('placement_allocation as a')
    .innerJoin('placement_provider as p', 'p.id', 'a.provider_id')
    .select(['p.id', 'p.generation'])
    .where('a.consumer_id', 'in', [...consumers])
    .distinct()
    .execute();
  return new Map(rows.map((r) => [r.id, r.generation]));
}

function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.code === 'placement.concurrent_update' && /resource provider generation/.test(err.message);
  const code = (err as { code?: unknown; errno?: unknown }).code;
  const errno = (err as { errno?: unknown }).errno;
  // PostgreSQL deadlock / serialization failure, MariaDB deadlock / lock wait timeout, SQLite busy.
  return code === '40P01' || code === '40001' || errno === 1213 || errno === 1205 || code === 'SQLITE_BUSY';
}

/**
 * Runs a write in a transaction, again from the start when a provider it touched changed
 * underneath (another claim on the same host) or the database picked it as a deadlock
 * victim; after `retries` such losses the caller gets the 409 Placement gives.
 */
export async function withRetries<T>(db: Kysely<PlacementTables>, retries: number, fn: (tx: PlacementTx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= retries || !isRetryable(err)) {
        if (!(err instanceof ApiError) && isRetryable(err)) {
          throw placementErrors.concurrentUpdate('Failed to update allocations because of a concurrent update. Please retry.');
        }
        throw err;
      }
    }
  }
}
