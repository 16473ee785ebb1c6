import { sql } from 'kysely';
import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors, providerGenerationConflict } from '../errors.ts';
import { consumerAllocations, findConsumer, providersOfConsumers, clearConsumers, replaceAllocations, withRetries, writeAllocations, type ConsumerWrite } from '../store/allocations.ts';
import { INVENTORY_DEFAULTS, replaceInventories, type InventoryFields } from '../store/inventories.ts';
import { resourceClasses, unknownNames } from '../store/names.ts';
import { getProvider } from '../store/providers.ts';
import { at, cacheHeaders, normalizeUuid, UUID_RE } from './common.ts';

const ConsumerParams = Type.Object({ consumer_uuid: Type.String() });
const CONSUMER_TYPE = /^[A-Z0-9_]{1,255}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (msg: string) => placementErrors.badRequest(`JSON does not validate: ${msg}`);

function resourcesOf(v: unknown, where: string): Map<string, number> {
  if (!isObj(v) || Object.keys(v).length === 0) throw invalid(`'resources' of ${where} must be a non-empty object`);
  const out = new Map<string, number>();
  for (const [rc, amount] of Object.entries(v)) {
    if (!/^[A-Z0-9_]+$/.test(rc)) throw invalid(`'${rc}' does not match '^[0-9A-Z_]+$'`);
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) throw invalid(`${JSON.stringify(amount)} is less than the minimum of 1`);
    out.set(rc, amount);
  }
  return out;
}

/**
 * One consumer's body (PUT /allocations/{c}, an entry of POST /allocations or of the
 * reshaper) as the call's microversion defines it.
 */
function consumerWrite(env: PlacementEnv, call: ApiCall, uuid: string, body: unknown, inBulk: boolean): ConsumerWrite {
  if (!isObj(body)) throw invalid('the body must be an object');
  const allowed = new Set(['allocations']);
  if (at(call, 8)) ['project_id', 'user_id'].forEach((k) => allowed.add(k));
  if (at(call, 28)) allowed.add('consumer_generation');
  if (at(call, 34)) allowed.add('mappings');
  if (at(call, 38)) allowed.add('consumer_type');
  for (const k of Object.keys(body)) if (!allowed.has(k)) throw invalid(`Additional properties are not allowed ('${k}' was unexpected)`);
  const required = ['allocations', ...(at(call, 8) ? ['project_id', 'user_id'] : []), ...(at(call, 28) ? ['consumer_generation'] : []), ...(at(call, 38) ? ['consumer_type'] : [])];
  for (const k of required) if (!(k in body)) throw invalid(`'${k}' is a required property`);
  const allocations = new Map<string, Map<string, number>>();
  if (at(call, 12) || inBulk) {
    if (!isObj(body.allocations)) throw invalid("'allocations' must be an object");
    if (!at(call, 28) && Object.keys(body.allocations).length === 0) throw invalid('{} does not have enough properties');
    for (const [rp, entry] of Object.entries(body.allocations)) {
      if (!UUID_RE.test(rp)) throw invalid(`'${rp}' is not a valid resource provider UUID`);
      if (!isObj(entry)) throw invalid(`allocation for ${rp} must be an object`);
      allocations.set(normalizeUuid(rp), resourcesOf(entry.resources, rp));
    }
  } else {
    if (!Array.isArray(body.allocations) || body.allocations.length === 0) throw invalid("'allocations' must be a non-empty list");
    for (const entry of body.allocations) {
      const rp = isObj(entry) && isObj(entry.resource_provider) ? entry.resource_provider.uuid : undefined;
      if (typeof rp !== 'string' || !UUID_RE.test(rp)) throw invalid("'resource_provider' must carry a valid uuid");
      allocations.set(normalizeUuid(rp), resourcesOf(entry.resources, rp));
    }
  }
  const str = (k: string) => {
    const v = body[k];
    if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw invalid(`'${k}' must be a string of 1 to 255 characters`);
    return v;
  };
  let generation: number | null | undefined;
  if (at(call, 28)) {
    const g = body.consumer_generation;
    if (g !== null && !(typeof g === 'number' && Number.isInteger(g) && g >= 0)) throw invalid("'consumer_generation' must be null or a non-negative integer");
    generation = g as number | null;
  }
  let consumerType: string | undefined;
  if (at(call, 38)) {
    consumerType = str('consumer_type');
    if (!CONSUMER_TYPE.test(consumerType)) throw invalid(`'${consumerType}' does not match '^[A-Z0-9_]+$'`);
  }
  return {
    consumerUuid: uuid,
    projectId: at(call, 8) ? str('project_id') : env.settings.incomplete_consumer_project_id,
    userId: at(call, 8) ? str('user_id') : env.settings.incomplete_consumer_user_id,
    consumerType,
    generation,
    allocations,
  };
}

async function checkClasses(env: PlacementEnv, writes: readonly ConsumerWrite[]) {
  const unknown = await unknownNames(env.db, resourceClasses, writes.flatMap((w) => [...w.allocations.values()].flatMap((r) => [...r.keys()])));
  if (unknown.length) throw placementErrors.badRequest(`Unable to allocate inventory: No such resource class ${unknown[0]}.`);
}

export function allocationRoutes(env: PlacementEnv): RouteSpec[] {
  const retries = env.settings.allocation_conflict_retry_count;
  return [
    defineRoute({
      method: 'GET',
      url: '/allocations/:consumer_uuid',
      policy: 'placement:allocations:list',
      schema: { params: ConsumerParams },
      handler: async (call) => {
        const uuid = call.params.consumer_uuid.toLowerCase();
        const rows = await consumerAllocations(env.db, uuid);
        const allocations: Record<string, { generation: number; resources: Record<string, number> }> = {};
        for (const r of rows) {
          const e = (allocations[r.provider_uuid] ??= { generation: r.provider_generation, resources: {} });
          e.resources[r.resource_class] = Number(r.used);
        }
        cacheHeaders(call);
        const out: Record<string, unknown> = { allocations };
        const consumer = rows.length ? await findConsumer(env.db, uuid) : undefined;
        if (consumer && at(call, 12)) {
          out.project_id = consumer.project_id;
          out.user_id = consumer.user_id;
        }
        if (consumer && at(call, 28)) out.consumer_generation = consumer.generation;
        if (consumer && at(call, 38)) out.consumer_type = consumer.consumer_type ?? 'unknown';
        return out;
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/allocations/:consumer_uuid',
      policy: 'placement:allocations:update',
      schema: { params: ConsumerParams },
      status: 204,
      handler: async (call) => {
        const uuid = normalizeUuid(call.params.consumer_uuid, 'consumer uuid');
        const write = consumerWrite(env, call, uuid, call.body, false);
        await checkClasses(env, [write]);
        await withRetries(env.db, retries, (tx) => replaceAllocations(tx, [write]));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/allocations',
      versions: { min: '1.13' },
      policy: 'placement:allocations:manage',
      status: 204,
      handler: async (call) => {
        if (!isObj(call.body) || Object.keys(call.body).length === 0) throw invalid('the body must be a non-empty object keyed by consumer UUID');
        const writes = Object.entries(call.body).map(([c, b]) => {
          if (!UUID_RE.test(c)) throw invalid(`'${c}' is not a valid consumer UUID`);
          return consumerWrite(env, call, normalizeUuid(c), b, true);
        });
        await checkClasses(env, writes);
        await withRetries(env.db, retries, (tx) => replaceAllocations(tx, writes));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/allocations/:consumer_uuid',
      policy: 'placement:allocations:delete',
      schema: { params: ConsumerParams },
      status: 204,
      handler: async (call) => {
        const uuid = call.params.consumer_uuid.toLowerCase();
        await withRetries(env.db, retries, async (tx) => {
          const previous = await providersOfConsumers(tx, [uuid]);
          if (previous.size === 0) throw placementErrors.notFound(`No allocations for consumer '${uuid}'`);
          const write: ConsumerWrite = { consumerUuid: uuid, projectId: '', userId: '', allocations: new Map() };
          const stored = await clearConsumers(tx, [write]);
          await writeAllocations(tx, [write], stored, previous);
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/usages',
      versions: { min: '1.9' },
      policy: 'placement:usages',
      target: (call) => ({ project_id: (call.query as Obj).project_id }),
      handler: async (call) => {
        const q = call.query as Obj;
        const allowedKeys = ['project_id', 'user_id', ...(at(call, 38) ? ['consumer_type'] : [])];
        for (const k of Object.keys(q)) if (!allowedKeys.includes(k)) throw placementErrors.badRequest(`Invalid query string parameters: Additional properties are not allowed ('${k}' was unexpected)`);
        if (typeof q.project_id !== 'string' || q.project_id === '') throw placementErrors.badRequest("Invalid query string parameters: 'project_id' is a required property");
        const consumerType = typeof q.consumer_type === 'string' ? q.consumer_type : undefined;
        let query = env.db
          .selectFrom('placement_allocation as a')
          .innerJoin('placement_consumer as c', 'c.uuid', 'a.consumer_id')
          .select(['c.consumer_type', 'a.resource_class', sql<number>`sum(a.used)`.as('used'), sql<number>`count(distinct a.consumer_id)`.as('consumers')])
          .where('c.project_id', '=', q.project_id);
        if (typeof q.user_id === 'string') query = query.where('c.user_id', '=', q.user_id);
        if (consumerType && consumerType !== 'all') {
          query = consumerType === 'unknown' ? query.where('c.consumer_type', 'is', null) : query.where('c.consumer_type', '=', consumerType);
        }
        const rows = await query.groupBy(['c.consumer_type', 'a.resource_class']).execute();
        cacheHeaders(call);
        if (!at(call, 38)) {
          const usages: Record<string, number> = {};
          for (const r of rows) usages[r.resource_class] = (usages[r.resource_class] ?? 0) + Number(r.used);
          return { usages };
        }
        // 1.38: grouped by consumer type with a consumer count each ('all' folds them together).
        let countQuery = env.db
          .selectFrom('placement_consumer as c')
          .select(['c.consumer_type', sql<number>`count(*)`.as('n')])
          .where('c.project_id', '=', q.project_id);
        if (typeof q.user_id === 'string') countQuery = countQuery.where('c.user_id', '=', q.user_id);
        const counts = await countQuery.groupBy('c.consumer_type').execute();
        const key = (t: string | null) => (consumerType === 'all' ? 'all' : (t ?? 'unknown'));
        const usages: Record<string, Record<string, number>> = {};
        for (const c of counts) {
          const k = key(c.consumer_type);
          if (consumerType && consumerType !== 'all' && k !== consumerType) continue;
          const e = (usages[k] ??= { consumer_count: 0 });
          e.consumer_count! += Number(c.n);
        }
        for (const r of rows) {
          const e = (usages[key(r.consumer_type)] ??= { consumer_count: 0 });
          e[r.resource_class] = (e[r.resource_class] ?? 0) + Number(r.used);
        }
        return { usages };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/reshaper',
      versions: { min: '1.30' },
      policy: 'placement:reshaper:reshape',
      status: 204,
      handler: async (call) => {
        const body = call.body;
        if (!isObj(body) || !isObj(body.inventories) || !isObj(body.allocations)) throw invalid("'inventories' and 'allocations' are required properties");
        for (const k of Object.keys(body)) if (k !== 'inventories' && k !== 'allocations') throw invalid(`Additional properties are not allowed ('${k}' was unexpected)`);
        const inventories: { uuid: string; generation: number; inventories: Map<string, InventoryFields> }[] = [];
        for (const [rp, entry] of Object.entries(body.inventories)) {
          if (!UUID_RE.test(rp) || !isObj(entry) || !Number.isInteger(entry.resource_provider_generation) || !isObj(entry.inventories)) {
            throw invalid(`inventories of ${rp} need 'resource_provider_generation' and 'inventories'`);
          }
          const invs = new Map<string, InventoryFields>();
          for (const [rc, inv] of Object.entries(entry.inventories)) {
            if (!isObj(inv) || !Number.isInteger(inv.total) || (inv.total as number) < 1) throw invalid(`inventory ${rc} of ${rp} needs a positive integer 'total'`);
            invs.set(rc, { ...INVENTORY_DEFAULTS, ...(inv as Partial<InventoryFields>), total: inv.total as number });
          }
          inventories.push({ uuid: normalizeUuid(rp), generation: entry.resource_provider_generation as number, inventories: invs });
        }
        const unknownRc = await unknownNames(env.db, resourceClasses, inventories.flatMap((i) => [...i.inventories.keys()]));
        if (unknownRc.length) throw placementErrors.badRequest(`Unknown resource class in inventory: ${unknownRc.join(', ')}`);
        const writes = Object.entries(body.allocations).map(([c, b]) => {
          if (!UUID_RE.test(c)) throw invalid(`'${c}' is not a valid consumer UUID`);
          return consumerWrite(env, call, normalizeUuid(c), b, true);
        });
        await checkClasses(env, writes);
        // One transaction: the consumers' old allocations go, the inventories change, the new
        // allocations are checked against the new inventories; any failure leaves all as it was.
        await env.db.transaction().execute(async (tx) => {
          const previous = await providersOfConsumers(tx, writes.map((w) => w.consumerUuid));
          const stored = await clearConsumers(tx, writes);
          const generations = new Map<number, number>(previous);
          for (const inv of inventories) {
            const p = await getProvider(tx, inv.uuid);
            if (p.generation !== inv.generation) throw providerGenerationConflict();
            await replaceInventories(tx, p, p.generation, inv.inventories);
            // replaceInventories moved the generation on; allocations below move it again.
            generations.set(p.id, p.generation + 1);
          }
          await writeAllocations(tx, writes, stored, generations);
        });
      },
    }),
  ];
}
