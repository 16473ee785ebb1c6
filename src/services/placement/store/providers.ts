import type { Transaction } from 'kysely';
import { dbNow, isUniqueViolation } from '../../../core/db/index.ts';
import { placementErrors, providerGenerationConflict } from '../errors.ts';
import type { PlacementDb, PlacementTables, ProviderRow } from './tables.ts';

export type PlacementTx = Transaction<PlacementTables> | PlacementDb;

/** A provider with the UUIDs of its parent and root, as every view shows it. */
export interface Provider extends ProviderRow {
  parent_uuid: string | null;
  root_uuid: string;
}

function providerQuery(db: PlacementTx) {
  return db
    .selectFrom('placement_provider as p')
    .innerJoin('placement_provider as r', 'r.id', 'p.root_id')
    .leftJoin('placement_provider as pa', 'pa.id', 'p.parent_id')
    .selectAll('p')
    .select(['r.uuid as root_uuid', 'pa.uuid as parent_uuid']);
}

export async function findProvider(db: PlacementTx, uuid: string): Promise<Provider | undefined> {
  return (await providerQuery(db).where('p.uuid', '=', uuid).executeTakeFirst()) as Provider | undefined;
}

/** The provider or Placement's 404. */
export async function getProvider(db: PlacementTx, uuid: string): Promise<Provider> {
  const p = await findProvider(db, uuid);
  if (!p) throw placementErrors.providerNotFound(`No resource provider with uuid ${uuid} found`);
  return p;
}

export interface ProviderFilter {
  uuid?: string;
  name?: string;
  /** Provider ids allowed (already narrowed by traits, aggregates, resources); undefined = any. */
  ids?: ReadonlySet<number>;
  rootId?: number;
}

export async function listProviders(db: PlacementTx, f: ProviderFilter): Promise<Provider[]> {
  let q = providerQuery(db);
  if (f.uuid !== undefined) q = q.where('p.uuid', '=', f.uuid);
  if (f.name !== undefined) q = q.where('p.name', '=', f.name);
  if (f.rootId !== undefined) q = q.where('p.root_id', '=', f.rootId);
  const rows = (await q.orderBy('p.id').execute()) as Provider[];
  return f.ids ? rows.filter((r) => f.ids!.has(r.id)) : rows;
}

async function insertedId(db: PlacementTx, uuid: string): Promise<number> {
  const row = await db.selectFrom('placement_provider').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
  return row.id;
}

export async function createProvider(db: PlacementTx, p: { uuid: string; name: string; parentUuid?: string | null | undefined }): Promise<Provider> {
  let parent: Provider | undefined;
  if (p.parentUuid) {
    parent = await findProvider(db, p.parentUuid);
    if (!parent) throw placementErrors.badRequest(`parent provider UUID does not exist.`);
  }
  const now = dbNow();
  try {
    await db
      .insertInto('placement_provider')
      .values({ uuid: p.uuid, name: p.name, generation: 0, parent_id: parent?.id ?? null, root_id: parent?.root_id ?? 0, created_at: now, updated_at: now })
      .execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const sameUuid = await findProvider(db, p.uuid);
    throw placementErrors.duplicateName(
      sameUuid
        ? `Conflicting resource provider uuid: ${p.uuid} already exists.`
        : `Conflicting resource provider name: ${p.name} already exists.`,
    );
  }
  if (!parent) {
    const id = await insertedId(db, p.uuid);
    await db.updateTable('placement_provider').set({ root_id: id }).where('id', '=', id).execute();
  }
  return getProvider(db, p.uuid);
}

/** Ids of the provider and every provider below it. */
export async function subtreeIds(db: PlacementTx, provider: Provider): Promise<Set<number>> {
  const rows = await db.selectFrom('placement_provider').select(['id', 'parent_id']).where('root_id', '=', provider.root_id).execute();
  const children = new Map<number, number[]>();
  for (const r of rows) if (r.parent_id !== null) children.set(r.parent_id, [...(children.get(r.parent_id) ?? []), r.id]);
  const out = new Set<number>();
  const stack = [provider.id];
  while (stack.length) {
    const id = stack.pop()!;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

/**
 * Renames a provider and, from 1.37, moves it under another parent or makes it a root; the
 * whole subtree follows to the new root. Before 1.37 a parent, once set, cannot change.
 */
export async function updateProvider(
  db: PlacementTx,
  provider: Provider,
  change: { name: string; parentUuid?: string | null | undefined; allowReparent: boolean },
): Promise<Provider> {
  const now = dbNow();
  let parentId = provider.parent_id;
  let rootId = provider.root_id;
  if (change.parentUuid !== undefined && change.parentUuid !== provider.parent_uuid) {
    if (!change.allowReparent && provider.parent_uuid !== null) {
      throw placementErrors.badRequest(
        change.parentUuid === null
          ? 'un-parenting a provider is not currently allowed.'
          : 're-parenting a provider is not currently allowed.',
      );
    }
    if (change.parentUuid === null) {
      parentId = null;
      rootId = provider.id;
    } else {
      const parent = await findProvider(db, change.parentUuid);
      if (!parent) throw placementErrors.badRequest('parent provider UUID does not exist.');
      const subtree = await subtreeIds(db, provider);
      if (subtree.has(parent.id)) {
        throw placementErrors.badRequest('creating loop in the provider tree is not allowed.');
      }
      parentId = parent.id;
      rootId = parent.root_id;
    }
    if (rootId !== provider.root_id) {
      const subtree = [...(await subtreeIds(db, provider))];
      await db.updateTable('placement_provider').set({ root_id: rootId }).where('id', 'in', subtree).execute();
    }
  }
  // Renaming or moving a provider leaves its generation alone, as in Placement.
  try {
    await db.updateTable('placement_provider').set({ name: change.name, parent_id: parentId, updated_at: now }).where('id', '=', provider.id).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw placementErrors.duplicateName(`Conflicting resource provider name: ${change.name} already exists.`);
    throw err;
  }
  return getProvider(db, provider.uuid);
}

export async function deleteProvider(db: PlacementTx, provider: Provider): Promise<void> {
  const used = await db.selectFrom('placement_allocation').select('provider_id').where('provider_id', '=', provider.id).limit(1).executeTakeFirst();
  if (used) {
    throw placementErrors.providerInUse(`Unable to delete resource provider ${provider.uuid}: Resource provider has allocations.`);
  }
  const child = await db.selectFrom('placement_provider').select('id').where('parent_id', '=', provider.id).limit(1).executeTakeFirst();
  if (child) {
    throw placementErrors.cannotDeleteParent(
      `Unable to delete parent resource provider ${provider.uuid}: It has child resource providers.`,
    );
  }
  await db.deleteFrom('placement_inventory').where('provider_id', '=', provider.id).execute();
  await db.deleteFrom('placement_provider_trait').where('provider_id', '=', provider.id).execute();
  await db.deleteFrom('placement_provider_aggregate').where('provider_id', '=', provider.id).execute();
  await db.deleteFrom('placement_provider').where('id', '=', provider.id).execute();
}

/**
 * Compare-and-swap on a provider's generation: the one guard against two writers changing
 * a provider's inventory, traits, aggregates or allocations from the same view.
 */
export async function bumpGeneration(db: PlacementTx, providerId: number, expected: number): Promise<number> {
  const res = await db
    .updateTable('placement_provider')
    .set({ generation: expected + 1, updated_at: dbNow() })
    .where('id', '=', providerId)
    .where('generation', '=', expected)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw providerGenerationConflict();
  return expected + 1;
}
