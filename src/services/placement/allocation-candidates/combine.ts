/**
 * The pure half of allocation candidates: from the providers that can serve each request
 * group (found in SQL) to the allocation requests that serve all groups at once. Nothing
 * here touches the database, so the tricky cases (trees, group policies, same_subtree,
 * capacity shared between groups) are unit-tested directly.
 */
import { amountKey, type AllocationRequest, type ProviderRef, type RequestGroup, type TreeProvider } from './model.ts';

/** A granular group: one allocation request per provider that alone satisfies it. */
export function sameProviderRequests(group: RequestGroup, providers: readonly ProviderRef[]): AllocationRequest[] {
  return providers.map((p) => {
    const amounts = new Map<string, number>();
    for (const [rc, amount] of group.resources) amounts.set(amountKey(p.id, rc), amount);
    return { root: p.root, amounts, mappings: new Map([[group.suffix, new Set([p.id])]]) };
  });
}

function satisfiesTraits(group: RequestGroup, providers: readonly TreeProvider[]): boolean {
  const all = new Set<string>();
  for (const p of providers) {
    for (const t of p.traits) {
      if (group.forbiddenTraits.has(t)) return false;
      all.add(t);
    }
  }
  return group.requiredTraits.every((anyOf) => [...anyOf].some((t) => all.has(t)));
}

/**
 * The unnumbered group: each class may come from a different provider of one tree, and the
 * providers chosen must together carry the required traits and none may carry a forbidden one.
 * `perClass` lists, for each requested class, the providers with room for it.
 */
export function treeRequests(
  group: RequestGroup,
  perClass: ReadonlyMap<string, readonly ProviderRef[]>,
  trees: ReadonlyMap<number, TreeProvider>,
): AllocationRequest[] {
  const classes = [...group.resources.keys()];
  const byRoot = new Map<number, Map<string, number[]>>();
  for (const rc of classes) {
    for (const p of perClass.get(rc) ?? []) {
      let m = byRoot.get(p.root);
      if (!m) byRoot.set(p.root, (m = new Map()));
      const list = m.get(rc);
      if (list) list.push(p.id);
      else m.set(rc, [p.id]);
    }
  }
  const out: AllocationRequest[] = [];
  for (const [root, m] of byRoot) {
    if (m.size !== classes.length) continue;
    for (const choice of product(classes.map((rc) => m.get(rc)!))) {
      const providers = [...new Set(choice)].map((id) => trees.get(id)!);
      if (!satisfiesTraits(group, providers)) continue;
      const amounts = new Map<string, number>();
      classes.forEach((rc, i) => amounts.set(amountKey(choice[i]!, rc), group.resources.get(rc)!));
      out.push({ root, amounts, mappings: new Map([[group.suffix, new Set(choice)]]) });
    }
  }
  return out;
}

function* product<T>(lists: readonly (readonly T[])[]): Generator<T[]> {
  if (lists.some((l) => l.length === 0)) return;
  const idx = lists.map(() => 0);
  for (;;) {
    yield idx.map((i, n) => lists[n]![i]!);
    let n = lists.length - 1;
    while (n >= 0) {
      idx[n]!++;
      if (idx[n]! < lists[n]!.length) break;
      idx[n] = 0;
      n--;
    }
    if (n < 0) return;
  }
}

function ancestorsOf(id: number, trees: ReadonlyMap<number, TreeProvider>): Set<number> {
  const out = new Set<number>();
  for (let cur: number | null | undefined = id; cur !== null && cur !== undefined; cur = trees.get(cur)?.parentId) out.add(cur);
  return out;
}

/** Whether one of the providers is an ancestor (or itself) of all the others. */
export function inSameSubtree(ids: ReadonlySet<number>, trees: ReadonlyMap<number, TreeProvider>): boolean {
  if (ids.size <= 1) return true;
  let common: Set<number> | undefined;
  for (const id of ids) {
    const a = ancestorsOf(id, trees);
    common = common ? new Set([...common].filter((x) => a.has(x))) : a;
  }
  return [...common!].some((x) => ids.has(x));
}

export interface MergeOptions {
  readonly suffixes: readonly string[];
  readonly granularSuffixes: ReadonlySet<string>;
  readonly groupPolicy?: 'none' | 'isolate' | undefined;
  readonly sameSubtrees: readonly (readonly string[])[];
  /** Tree data for the capacity and subtree checks; absent when neither can fail (one group, no same_subtree). */
  readonly trees?: ReadonlyMap<number, TreeProvider> | undefined;
  /** Stop once this many distinct requests are found. */
  readonly stopAfter?: number | undefined;
}

function consolidate(parts: readonly AllocationRequest[]): AllocationRequest {
  if (parts.length === 1) return parts[0]!;
  const amounts = new Map<string, number>();
  const mappings = new Map<string, Set<number>>();
  for (const p of parts) {
    for (const [k, v] of p.amounts) amounts.set(k, (amounts.get(k) ?? 0) + v);
    for (const [s, ids] of p.mappings) {
      const set = mappings.get(s) ?? new Set<number>();
      for (const id of ids) set.add(id);
      mappings.set(s, set);
    }
  }
  return { root: parts[0]!.root, amounts, mappings };
}

function exceedsCapacity(req: AllocationRequest, trees: ReadonlyMap<number, TreeProvider>): boolean {
  for (const [key, amount] of req.amounts) {
    const slash = key.indexOf('/');
    const r = trees.get(Number(key.slice(0, slash)))?.resources.get(key.slice(slash + 1));
    if (!r || r.used + amount > r.capacity || amount > r.maxUnit) return true;
  }
  return false;
}

const requestKey = (r: AllocationRequest) =>
  `${[...r.amounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).join(';')}|${[...r.mappings]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([s, ids]) => `${s}:${[...ids].sort((a, b) => a - b).join(',')}`)
    .join(';')}`;

/**
 * Folds the groups' requests into requests that satisfy every group from one tree: for each
 * root that every group reached, every combination of one request per group, kept when it
 * obeys group_policy=isolate (granular groups on distinct providers), same_subtree, and the
 * capacity the groups share on a provider.
 */
export function mergeGroups(perGroup: ReadonlyMap<string, readonly AllocationRequest[]>, o: MergeOptions): AllocationRequest[] {
  if (o.suffixes.length === 1 && o.sameSubtrees.length === 0) {
    const only = perGroup.get(o.suffixes[0]!) ?? [];
    return o.stopAfter !== undefined ? only.slice(0, o.stopAfter) : [...only];
  }
  const byRoot = new Map<number, Map<string, AllocationRequest[]>>();
  for (const suffix of o.suffixes) {
    for (const r of perGroup.get(suffix) ?? []) {
      let m = byRoot.get(r.root);
      if (!m) byRoot.set(r.root, (m = new Map()));
      const list = m.get(suffix);
      if (list) list.push(r);
      else m.set(suffix, [r]);
    }
  }
  const out: AllocationRequest[] = [];
  const seen = new Set<string>();
  for (const m of byRoot.values()) {
    if (m.size !== o.suffixes.length) continue;
    for (const parts of product(o.suffixes.map((s) => m.get(s)!))) {
      if (o.groupPolicy === 'isolate' && o.granularSuffixes.size > 1) {
        const used = new Set<number>();
        for (const p of parts) for (const [s, ids] of p.mappings) if (o.granularSuffixes.has(s)) for (const id of ids) used.add(id);
        if (used.size !== o.granularSuffixes.size) continue;
      }
      const merged = consolidate(parts);
      if (o.trees) {
        const trees = o.trees;
        const subtreeOk = o.sameSubtrees.every((suffixes) => {
          const ids = new Set<number>();
          for (const s of suffixes) for (const id of merged.mappings.get(s) ?? []) ids.add(id);
          return inSameSubtree(ids, trees);
        });
        if (!subtreeOk || exceedsCapacity(merged, trees)) continue;
      }
      const key = requestKey(merged);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(merged);
      if (o.stopAfter !== undefined && out.length >= o.stopAfter) return out;
    }
  }
  return out;
}
