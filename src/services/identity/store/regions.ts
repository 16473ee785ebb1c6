import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { RegionTable } from './tables.ts';

/** A region of the catalog; ids are chosen by the operator (RegionOne) or generated. */
export interface Region {
  readonly id: string;
  readonly description: string;
  readonly parentRegionId: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
}

export function regionFromRow(row: RegionTable): Region {
  return {
    id: row.id,
    description: row.description,
    parentRegionId: row.parent_region_id,
    extra: fromDbJson(row.extra),
  };
}

export async function getRegion(db: IdentityDb, id: string): Promise<Region | undefined> {
  const row = await db
    .selectFrom('identity_region')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? regionFromRow(row) : undefined;
}

export async function listRegions(
  db: IdentityDb,
  filters: { parentRegionId?: string } = {},
): Promise<Region[]> {
  let q = db.selectFrom('identity_region').selectAll();
  if (filters.parentRegionId !== undefined)
    q = q.where('parent_region_id', '=', filters.parentRegionId);
  const rows = await q.orderBy('id').execute();
  return rows.map(regionFromRow);
}

export async function insertRegion(db: IdentityDb, region: Region): Promise<void> {
  await db
    .insertInto('identity_region')
    .values({
      id: region.id,
      description: region.description,
      parent_region_id: region.parentRegionId,
      extra: toDbJson(region.extra),
    })
    .execute();
}

export async function updateRegionRow(db: IdentityDb, region: Region): Promise<void> {
  await db
    .updateTable('identity_region')
    .set({
      description: region.description,
      parent_region_id: region.parentRegionId,
      extra: toDbJson(region.extra),
    })
    .where('id', '=', region.id)
    .execute();
}

/**
 * Whether making `parentId` the parent of `regionId` would close a loop: walks up from the
 * new parent and fails on meeting the region itself. A loop already in the data (written
 * by hand) ends the walk instead of spinning.
 */
export async function wouldCreateCycle(
  db: IdentityDb,
  regionId: string,
  parentId: string,
): Promise<boolean> {
  const seen = new Set<string>();
  let current: string | null = parentId;
  while (current !== null && !seen.has(current)) {
    if (current === regionId) return true;
    seen.add(current);
    const row: { parent_region_id: string | null } | undefined = await db
      .selectFrom('identity_region')
      .select('parent_region_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = row?.parent_region_id ?? null;
  }
  return false;
}

/** The region and every region below it, the region first. */
export async function regionSubtree(db: IdentityDb, regionId: string): Promise<string[]> {
  const out = [regionId];
  const seen = new Set(out);
  for (let i = 0; i < out.length; i++) {
    const children = await db
      .selectFrom('identity_region')
      .select('id')
      .where('parent_region_id', '=', out[i]!)
      .execute();
    for (const c of children) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c.id);
    }
  }
  return out;
}

/** What still refers to any of these regions and so blocks deleting them. */
export async function regionUsage(
  db: IdentityDb,
  regionIds: readonly string[],
): Promise<{ endpoints: number; registeredLimits: number }> {
  if (regionIds.length === 0) return { endpoints: 0, registeredLimits: 0 };
  const eps = await db
    .selectFrom('identity_endpoint')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('region_id', 'in', regionIds)
    .executeTakeFirst();
  const limits = await db
    .selectFrom('identity_registered_limit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('region_id', 'in', regionIds)
    .executeTakeFirst();
  return { endpoints: Number(eps?.n ?? 0), registeredLimits: Number(limits?.n ?? 0) };
}

/** Deletes the regions given, children before parents (the list comes from regionSubtree). */
export async function deleteRegions(db: IdentityDb, subtree: readonly string[]): Promise<void> {
  for (const id of [...subtree].reverse()) {
    await db.deleteFrom('identity_region').where('id', '=', id).execute();
  }
}
