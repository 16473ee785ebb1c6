import { dbNow, isUniqueViolation } from '../../../core/db/index.ts';
import { STANDARD_RESOURCE_CLASSES } from '../standard-resource-classes.ts';
import { STANDARD_TRAITS } from '../standard-traits.ts';
import type { PlacementTx } from './providers.ts';
import type { CustomNameRow } from './tables.ts';

/**
 * Resource classes and traits: the standard names live in code (they never change at run
 * time), the CUSTOM_ ones in a table each. Both answer the same questions.
 */
export interface NameRegistry {
  readonly table: 'placement_resource_class' | 'placement_trait';
  readonly standard: ReadonlySet<string>;
  readonly standardOrder: readonly string[];
}

export const resourceClasses: NameRegistry = {
  table: 'placement_resource_class',
  standard: new Set(STANDARD_RESOURCE_CLASSES),
  standardOrder: STANDARD_RESOURCE_CLASSES,
};

export const traits: NameRegistry = {
  table: 'placement_trait',
  standard: new Set(STANDARD_TRAITS),
  standardOrder: STANDARD_TRAITS,
};

export async function listCustom(db: PlacementTx, reg: NameRegistry): Promise<CustomNameRow[]> {
  return db.selectFrom(reg.table).selectAll().orderBy('name').execute();
}

export async function findCustom(db: PlacementTx, reg: NameRegistry, name: string): Promise<CustomNameRow | undefined> {
  return db.selectFrom(reg.table).selectAll().where('name', '=', name).executeTakeFirst();
}

/** Names among `names` that are neither standard nor a CUSTOM_ one created before. */
export async function unknownNames(db: PlacementTx, reg: NameRegistry, names: Iterable<string>): Promise<string[]> {
  const custom = [...new Set(names)].filter((n) => !reg.standard.has(n));
  if (custom.length === 0) return [];
  const found = new Set((await db.selectFrom(reg.table).select('name').where('name', 'in', custom).execute()).map((r) => r.name));
  return custom.filter((n) => !found.has(n));
}

/** Creates a custom name; false when it already existed. */
export async function createCustom(db: PlacementTx, reg: NameRegistry, name: string): Promise<boolean> {
  const now = dbNow();
  try {
    await db.insertInto(reg.table).values({ name, created_at: now, updated_at: now }).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function deleteCustom(db: PlacementTx, reg: NameRegistry, name: string): Promise<boolean> {
  const res = await db.deleteFrom(reg.table).where('name', '=', name).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function renameCustom(db: PlacementTx, reg: NameRegistry, from: string, to: string): Promise<void> {
  await db.updateTable(reg.table).set({ name: to, updated_at: dbNow() }).where('name', '=', from).execute();
}
