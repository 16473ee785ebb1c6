import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { findAllocationCandidates, type CandidateResult } from '../allocation-candidates/find.ts';
import { splitAmountKey, type CandidateRequest } from '../allocation-candidates/model.ts';
import { parseCandidateRequest } from '../allocation-candidates/request.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors } from '../errors.ts';
import { resourceClasses, traits, unknownNames } from '../store/names.ts';
import { at, cacheHeaders } from './common.ts';

async function checkNames(env: PlacementEnv, req: CandidateRequest): Promise<void> {
  const rcs = await unknownNames(env.db, resourceClasses, req.groups.flatMap((g) => [...g.resources.keys()]));
  if (rcs.length) throw placementErrors.badRequest(`Invalid resource class in resources parameter: No such resource class ${rcs[0]}.`);
  const names = [
    ...req.groups.flatMap((g) => [...g.requiredTraits.flatMap((s) => [...s]), ...g.forbiddenTraits]),
    ...req.rootRequired,
    ...req.rootForbidden,
  ];
  const unknown = await unknownNames(env.db, traits, names);
  if (unknown.length) throw placementErrors.badRequest(`No such trait(s): ${unknown.join(', ')}.`);
}

/** The response body, shaped for the call's microversion. */
function candidatesView(call: ApiCall, req: CandidateRequest, result: CandidateResult) {
  const uuidOf = (id: number) => result.trees.get(id)!.uuid;
  const allocation_requests = result.requests.map((r) => {
    const perProvider = new Map<string, Record<string, number>>();
    for (const [key, amount] of r.amounts) {
      const [id, rc] = splitAmountKey(key);
      const uuid = uuidOf(id);
      const res = perProvider.get(uuid) ?? {};
      res[rc] = amount;
      perProvider.set(uuid, res);
    }
    if (!at(call, 12)) {
      return { allocations: [...perProvider].map(([uuid, resources]) => ({ resource_provider: { uuid }, resources })) };
    }
    const out: Record<string, unknown> = {
      allocations: Object.fromEntries([...perProvider].map(([uuid, resources]) => [uuid, { resources }])),
    };
    if (at(call, 34)) out.mappings = Object.fromEntries([...r.mappings].map(([s, ids]) => [s, [...ids].map(uuidOf)]));
    return out;
  });
  const requested = new Set(req.groups.flatMap((g) => [...g.resources.keys()]));
  const provider_summaries: Record<string, unknown> = {};
  for (const p of result.summaries) {
    const resources: Record<string, { capacity: number; used: number }> = {};
    for (const [rc, r] of p.resources) if (at(call, 27) || requested.has(rc)) resources[rc] = { capacity: r.capacity, used: r.used };
    const s: Record<string, unknown> = { resources };
    if (at(call, 17)) s.traits = [...p.traits];
    if (at(call, 29)) {
      s.parent_provider_uuid = p.parentId === null ? null : uuidOf(p.parentId);
      s.root_provider_uuid = uuidOf(p.rootId);
    }
    provider_summaries[p.uuid] = s;
  }
  return { allocation_requests, provider_summaries };
}

export function candidateRoutes(env: PlacementEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/allocation_candidates',
      versions: { min: '1.10' },
      policy: 'placement:allocation_candidates:list',
      handler: async (call) => {
        const req = parseCandidateRequest(call.query as Record<string, unknown>, (m) => at(call, m));
        await checkNames(env, req);
        const result = await findAllocationCandidates(env.db, req, {
          maxCandidates: env.settings.max_allocation_candidates,
          randomize: env.settings.randomize_allocation_candidates,
        });
        cacheHeaders(call);
        return candidatesView(call, req, result);
      },
    }),
  ];
}
