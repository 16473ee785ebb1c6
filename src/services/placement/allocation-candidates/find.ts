import type { PlacementDb } from '../store/tables.ts';
import { mergeGroups, sameProviderRequests, treeRequests } from './combine.ts';
import { groupConditions, hasTrees, loadTrees, providerRef, providersMatching, providersWithResource } from './data.ts';
import { splitAmountKey, type AllocationRequest, type CandidateRequest, type ProviderRef, type TreeProvider } from './model.ts';

export interface CandidateResult {
  readonly requests: readonly AllocationRequest[];
  /** The providers whose summaries the response shows, in provider order. */
  readonly summaries: readonly TreeProvider[];
  readonly trees: ReadonlyMap<number, TreeProvider>;
}

const EMPTY: CandidateResult = { requests: [], summaries: [], trees: new Map() };

function intersectById(lists: readonly (readonly ProviderRef[])[]): ProviderRef[] {
  if (lists.length === 0) return [];
  let ids = new Set(lists[0]!.map((p) => p.id));
  for (const l of lists.slice(1)) {
    const next = new Set(l.map((p) => p.id));
    ids = new Set([...ids].filter((id) => next.has(id)));
  }
  return lists[0]!.filter((p) => ids.has(p.id));
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * GET /allocation_candidates: per group, the providers (SQL) that can serve it; then the
 * combinations that serve every group from one tree (combine.ts); then the summaries of
 * the trees that made it into the answer. Sharing providers (MISC_SHARES_VIA_AGGREGATE)
 * are not considered: every candidate comes from a single tree.
 */
export async function findAllocationCandidates(
  db: PlacementDb,
  req: CandidateRequest,
  opts: { maxCandidates: number; randomize: boolean },
): Promise<CandidateResult> {
  const nested = await hasTrees(db);
  const trees = new Map<number, TreeProvider>();
  const perGroup = new Map<string, AllocationRequest[]>();
  let commonRoots: Set<number> | undefined;
  for (const group of req.groups) {
    let treeRootId: number | undefined;
    if (group.inTree !== undefined) {
      const ref = await providerRef(db, group.inTree);
      if (!ref) return EMPTY;
      treeRootId = ref.root;
    }
    // Without trees the unnumbered group is a single-provider group too (Placement's fast path).
    const sameProvider = group.sameProvider || !nested;
    const base = { treeRootId, rootRequired: req.rootRequired, rootForbidden: req.rootForbidden };
    let requests: AllocationRequest[];
    if (group.resources.size === 0) {
      const conds = groupConditions(group, { ...base, withTraits: true });
      requests = sameProviderRequests(group, await providersMatching(db, conds));
    } else if (sameProvider) {
      const conds = groupConditions({ ...group, sameProvider: true }, { ...base, withTraits: true });
      const lists: ProviderRef[][] = [];
      for (const [rc, amount] of group.resources) {
        const list = await providersWithResource(db, rc, amount, conds);
        if (list.length === 0) return EMPTY;
        lists.push(list);
      }
      requests = sameProviderRequests(group, intersectById(lists));
    } else {
      const conds = groupConditions(group, { ...base, withTraits: false });
      const perClass = new Map<string, ProviderRef[]>();
      let roots: Set<number> | undefined;
      for (const [rc, amount] of group.resources) {
        const list = await providersWithResource(db, rc, amount, conds);
        const these = new Set(list.map((p) => p.root));
        roots = roots ? new Set([...roots].filter((r) => these.has(r))) : these;
        if (roots.size === 0) return EMPTY;
        perClass.set(rc, list);
      }
      await loadTrees(db, roots!, trees);
      requests = treeRequests(group, perClass, trees);
    }
    if (requests.length === 0) return EMPTY;
    const roots = new Set(requests.map((r) => r.root));
    commonRoots = commonRoots ? new Set([...commonRoots].filter((r) => roots.has(r))) : roots;
    if (commonRoots.size === 0) return EMPTY;
    perGroup.set(group.suffix, requests);
  }

  const multi = req.groups.length > 1 || req.sameSubtrees.length > 0;
  if (multi) await loadTrees(db, commonRoots!, trees);
  const limit = req.limit;
  // Candidates are final once merged unless some later step drops or reorders them.
  const trimEarly = !opts.randomize && req.nestedAware;
  const caps = [opts.maxCandidates >= 0 ? opts.maxCandidates : undefined, trimEarly ? limit : undefined].filter((x): x is number => x !== undefined);
  let requests = mergeGroups(perGroup, {
    suffixes: req.groups.map((g) => g.suffix),
    granularSuffixes: new Set(req.groups.filter((g) => g.sameProvider).map((g) => g.suffix)),
    groupPolicy: req.groupPolicy,
    sameSubtrees: req.sameSubtrees,
    trees: multi ? trees : undefined,
    stopAfter: caps.length ? Math.min(...caps) : undefined,
  });
  if (!req.nestedAware) {
    // Before 1.29 a candidate takes each class from one provider of a tree, never several.
    requests = requests.filter((r) => new Set([...r.amounts.keys()].map((k) => splitAmountKey(k)[0])).size <= 1);
  }
  if (opts.randomize) requests = shuffle([...requests]);
  if (limit !== undefined && requests.length > limit) requests = requests.slice(0, limit);
  if (requests.length === 0) return EMPTY;

  const resultRoots = new Set(requests.map((r) => r.root));
  await loadTrees(db, resultRoots, trees);
  let summaries: TreeProvider[];
  if (req.nestedAware) {
    summaries = [...trees.values()].filter((p) => resultRoots.has(p.rootId));
  } else {
    const used = new Set(requests.flatMap((r) => [...r.amounts.keys()].map((k) => splitAmountKey(k)[0])));
    summaries = [...trees.values()].filter((p) => used.has(p.id));
  }
  summaries.sort((a, b) => a.id - b.id);
  return { requests, summaries, trees };
}
