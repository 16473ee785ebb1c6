import { dbNow } from '../../../core/db/index.ts';
import { placementErrors } from '../errors.ts';
import { bumpGeneration, type PlacementTx, type Provider } from './providers.ts';
import type { InventoryRow } from './tables.ts';

export const MAX_INT = 0x7fffffff;

export interface InventoryFields {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export const INVENTORY_DEFAULTS: Omit<InventoryFields, 'total'> = {
  reserved: 0,
  min_unit: 1,
  max_unit: MAX_INT,
  step_size: 1,
  allocation_ratio: 1.0,
};

export async function getInventories(db: PlacementTx, providerId: number): Promise<InventoryRow[]> {
  return db.selectFrom('placement_inventory').selectAll().where('provider_id', '=', providerId).orderBy('resource_class').execute();
}

/** Amount used per resource class on one provider. */
export async function providerUsage(db: PlacementTx, providerId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('placement_allocation')
    .select(['resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
    .where('provider_id', '=', providerId)
    .groupBy('resource_class')
    .execute();
  return new Map(rows.map((r) => [r.resource_class, Number(r.used)]));
}

/**
 * Replaces a provider's whole inventory at the generation the caller saw. Removing a class
 * that has allocations is refused (placement.inventory.inuse); shrinking one below what is
 * allocated is allowed and logged, as Placement does, so an operator can drain a host.
 */
export async function replaceInventories(
  db: PlacementTx,
  provider: Provider,
  generation: number,
  inventories: ReadonlyMap<string, InventoryFields>,
  onOverCapacity?: (rc: string) => void,
): Promise<number> {
  const newGeneration = await bumpGeneration(db, provider.id, generation);
  const existing = await getInventories(db, provider.id);
  const usage = await providerUsage(db, provider.id);
  const removed = existing.filter((i) => !inventories.has(i.resource_class)).map((i) => i.resource_class);
  const inUse = removed.filter((rc) => (usage.get(rc) ?? 0) > 0);
  if (inUse.length > 0) {
    throw placementErrors.inventoryInUse(
      `Inventory for '${inUse.join(', ')}' on resource provider '${provider.uuid}' in use.`,
    );
  }
  if (removed.length) {
    await db.deleteFrom('placement_inventory').where('provider_id', '=', provider.id).where('resource_class', 'in', removed).execute();
  }
  const now = dbNow();
  const have = new Set(existing.map((i) => i.resource_class));
  for (const [rc, inv] of inventories) {
    if (have.has(rc)) {
      await db.updateTable('placement_inventory').set({ ...inv, updated_at: now }).where('provider_id', '=', provider.id).where('resource_class', '=', rc).execute();
    } else {
      await db.insertInto('placement_inventory').values({ provider_id: provider.id, resource_class: rc, ...inv, created_at: now, updated_at: now }).execute();
    }
    const used = usage.get(rc) ?? 0;
    if (used > capacityOf(inv)) onOverCapacity?.(rc);
  }
  return newGeneration;
}

export function capacityOf(inv: Pick<InventoryFields, 'total' | 'reserved' | 'allocation_ratio'>): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocation_ratio);
}
