/**
 * The SQL half of allocation candidates. Each requested class is one set-based query that
 * returns the providers with room for it, every filter (traits, aggregates, tree, root
 * traits) pushed into the same statement, so the cost is a few index scans whatever the
 * number of providers, never a round trip per provider.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { PlacementDb } from '../store/tables.ts';
import type { ProviderRef, RequestGroup, TreeProvider } from './model.ts';

type Cond = Expression<SqlBool>;

const traitIn = (column: string, names: ReadonlySet<string>) =>
  sql<SqlBool>`exists (select 1 from placement_provider_trait t where t.provider_id = ${sql.ref(column)} and t.trait in (${sql.join([...names])}))`;

const aggIn = (columns: readonly string[], aggs: ReadonlySet<string>) =>
  sql<SqlBool>`exists (select 1 from placement_provider_aggregate a where a.provider_id in (${sql.join(columns.map((c) => sql.ref(c)))}) and a.aggregate in (${sql.join([...aggs])}))`;

/** Filters of one group as SQL on provider alias `p`. */
export function groupConditions(
  group: RequestGroup,
  o: { withTraits: boolean; treeRootId?: number | undefined; rootRequired: ReadonlySet<string>; rootForbidden: ReadonlySet<string> },
): Cond[] {
  const conds: Cond[] = [];
  // A granular group's provider itself must be in the aggregates; for the unnumbered group
  // the provider or its tree's root may be (Placement's filter_by_rp_or_tree).
  const aggColumns = group.sameProvider ? ['p.id'] : ['p.id', 'p.root_id'];
  for (const anyOf of group.memberOf) conds.push(aggIn(aggColumns, anyOf));
  if (group.forbiddenAggregates.size) conds.push(sql<SqlBool>`not ${aggIn(aggColumns, group.forbiddenAggregates)}`);
  if (o.withTraits) {
    for (const anyOf of group.requiredTraits) conds.push(traitIn('p.id', anyOf));
    if (group.forbiddenTraits.size) conds.push(sql<SqlBool>`not ${traitIn('p.id', group.forbiddenTraits)}`);
  }
  if (o.treeRootId !== undefined) conds.push(sql<SqlBool>`p.root_id = ${o.treeRootId}`);
  for (const t of o.rootRequired) conds.push(traitIn('p.root_id', new Set([t])));
  if (o.rootForbidden.size) conds.push(sql<SqlBool>`not ${traitIn('p.root_id', o.rootForbidden)}`);
  return conds;
}

/** Providers with room for `amount` of `rc` within their inventory's constraints, matching `conds`. */
export async function providersWithResource(db: PlacementDb, rc: string, amount: number, conds: readonly Cond[]): Promise<ProviderRef[]> {
  const a = sql.lit(amount);
  const usage = db
    .selectFrom('placement_allocation')
    .select(['provider_id', sql<number>`sum(used)`.as('used')])
    .where('resource_class', '=', rc)
    .groupBy('provider_id')
    .as('u');
  let q = db
    .selectFrom('placement_inventory as i')
    .innerJoin('placement_provider as p', 'p.id', 'i.provider_id')
    .leftJoin(usage, 'u.provider_id', 'i.provider_id')
    .select(['p.id as id', 'p.root_id as root'])
    .where('i.resource_class', '=', rc)
    .where(sql<SqlBool>`coalesce(u.used, 0) + ${a} <= (i.total - i.reserved) * i.allocation_ratio`)
    .where(sql<SqlBool>`i.min_unit <= ${a} and i.max_unit >= ${a} and ${a} % i.step_size = 0`);
  for (const c of conds) q = q.where(c);
  return q.orderBy('p.id').execute();
}

/** Providers matching `conds` whatever their inventory (request groups without resources). */
export async function providersMatching(db: PlacementDb, conds: readonly Cond[]): Promise<ProviderRef[]> {
  let q = db.selectFrom('placement_provider as p').select(['p.id as id', 'p.root_id as root']);
  for (const c of conds) q = q.where(c);
  return q.orderBy('p.id').execute();
}

export async function hasTrees(db: PlacementDb): Promise<boolean> {
  return (await db.selectFrom('placement_provider').select('id').where('parent_id', 'is not', null).limit(1).executeTakeFirst()) !== undefined;
}

export async function providerRef(db: PlacementDb, uuid: string): Promise<ProviderRef | undefined> {
  return db.selectFrom('placement_provider').select(['id', 'root_id as root']).where('uuid', '=', uuid).executeTakeFirst();
}

/** Past this many roots one unfiltered scan is cheaper than a long IN list. */
const IN_LIST_MAX = 2000;

/** Every provider of the given trees with its traits, capacity and usage. */
export async function loadTrees(db: PlacementDb, rootIds: ReadonlySet<number>, into = new Map<number, TreeProvider>()): Promise<Map<number, TreeProvider>> {
  const wanted = [...rootIds].filter((r) => !into.has(r));
  if (wanted.length === 0) return into;
  const all = wanted.length > IN_LIST_MAX;
  const chunks = all ? [[]] : [wanted];
  const usage = db
    .selectFrom('placement_allocation')
    .select(['provider_id', 'resource_class', sql<number>`sum(used)`.as('used')])
    .groupBy(['provider_id', 'resource_class'])
    .as('u');
  for (const chunk of chunks) {
    const providers = await db
      .selectFrom('placement_provider as p')
      .select(['p.id', 'p.uuid', 'p.parent_id', 'p.root_id'])
      .$if(!all, (q) => q.where('p.root_id', 'in', chunk))
      .orderBy('p.id')
      .execute();
    const inventories = await db
      .selectFrom('placement_inventory as i')
      .innerJoin('placement_provider as p', 'p.id', 'i.provider_id')
      .leftJoin(usage, (j) => j.onRef('u.provider_id', '=', 'i.provider_id').onRef('u.resource_class', '=', 'i.resource_class'))
      .select(['i.provider_id', 'i.resource_class', 'i.total', 'i.reserved', 'i.allocation_ratio', 'i.max_unit', 'u.used'])
      .$if(!all, (q) => q.where('p.root_id', 'in', chunk))
      .orderBy('i.provider_id')
      .orderBy('i.resource_class')
      .execute();
    const traitRows = await db
      .selectFrom('placement_provider_trait as t')
      .innerJoin('placement_provider as p', 'p.id', 't.provider_id')
      .select(['t.provider_id', 't.trait'])
      .$if(!all, (q) => q.where('p.root_id', 'in', chunk))
      .orderBy('t.provider_id')
      .orderBy('t.trait')
      .execute();
    const traits = new Map<number, Set<string>>();
    for (const t of traitRows) {
      const s = traits.get(t.provider_id);
      if (s) s.add(t.trait);
      else traits.set(t.provider_id, new Set([t.trait]));
    }
    const resources = new Map<number, Map<string, { capacity: number; used: number; maxUnit: number }>>();
    for (const i of inventories) {
      let m = resources.get(i.provider_id);
      if (!m) resources.set(i.provider_id, (m = new Map()));
      m.set(i.resource_class, {
        capacity: Math.floor((Number(i.total) - Number(i.reserved)) * Number(i.allocation_ratio)),
        used: Number(i.used ?? 0),
        maxUnit: Number(i.max_unit),
      });
    }
    for (const p of providers) {
      if (into.has(p.id)) continue;
      into.set(p.id, {
        id: p.id,
        uuid: p.uuid,
        parentId: p.parent_id,
        rootId: p.root_id,
        traits: traits.get(p.id) ?? new Set(),
        resources: resources.get(p.id) ?? new Map(),
      });
    }
  }
  return into;
}
