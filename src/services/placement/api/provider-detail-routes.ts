import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors, providerGenerationConflict } from '../errors.ts';
import { providerAllocations } from '../store/allocations.ts';
import { getInventories, providerUsage } from '../store/inventories.ts';
import { traits as traitNames, unknownNames } from '../store/names.ts';
import { bumpGeneration, getProvider } from '../store/providers.ts';
import { at, cacheHeaders, normalizeUuid, ProviderParams, UUID_RE } from './common.ts';

const TraitsBody = Type.Object(
  { traits: Type.Array(Type.String({ pattern: '^[A-Z0-9_]+$', maxLength: 255 }), { uniqueItems: true }), resource_provider_generation: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

export function providerDetailRoutes(env: PlacementEnv): RouteSpec[] {
  const base = '/resource_providers/:uuid';
  const aggregatesOf = async (id: number) =>
    (await env.db.selectFrom('placement_provider_aggregate').select('aggregate').where('provider_id', '=', id).orderBy('aggregate').execute()).map((r) => r.aggregate);
  const traitsOf = async (id: number) =>
    (await env.db.selectFrom('placement_provider_trait').select('trait').where('provider_id', '=', id).orderBy('trait').execute()).map((r) => r.trait);
  return [
    defineRoute({
      method: 'GET',
      url: `${base}/aggregates`,
      versions: { min: '1.1' },
      policy: 'placement:resource_providers:aggregates:list',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        cacheHeaders(call, p.updated_at);
        const out: Record<string, unknown> = { aggregates: await aggregatesOf(p.id) };
        if (at(call, 19)) out.resource_provider_generation = p.generation;
        return out;
      },
    }),
    defineRoute({
      method: 'PUT',
      url: `${base}/aggregates`,
      versions: { min: '1.1' },
      policy: 'placement:resource_providers:aggregates:update',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const body = call.body as unknown;
        let aggregates: string[];
        let generation: number | undefined;
        if (at(call, 19)) {
          const b = body as { aggregates?: unknown; resource_provider_generation?: unknown };
          if (!b || typeof b !== 'object' || Array.isArray(b) || !Array.isArray(b.aggregates) || !Number.isInteger(b.resource_provider_generation)) {
            throw placementErrors.badRequest("JSON does not validate: 'aggregates' and 'resource_provider_generation' are required properties");
          }
          aggregates = b.aggregates.map(String);
          generation = b.resource_provider_generation as number;
        } else {
          if (!Array.isArray(body)) throw placementErrors.badRequest('JSON does not validate: the body must be a list of aggregate UUIDs');
          aggregates = body.map(String);
        }
        if (aggregates.some((a) => !UUID_RE.test(a)) || new Set(aggregates).size !== aggregates.length) {
          throw placementErrors.badRequest('JSON does not validate: aggregates must be unique UUIDs');
        }
        const normalized = aggregates.map((a) => normalizeUuid(a));
        const newGen = await env.db.transaction().execute(async (tx) => {
          const p = await getProvider(tx, call.params.uuid.toLowerCase());
          if (generation !== undefined && generation !== p.generation) throw providerGenerationConflict();
          const g = await bumpGeneration(tx, p.id, p.generation);
          await tx.deleteFrom('placement_provider_aggregate').where('provider_id', '=', p.id).execute();
          if (normalized.length) await tx.insertInto('placement_provider_aggregate').values(normalized.map((a) => ({ provider_id: p.id, aggregate: a }))).execute();
          return g;
        });
        const out: Record<string, unknown> = { aggregates: [...normalized].sort() };
        if (at(call, 19)) out.resource_provider_generation = newGen;
        return out;
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/traits`,
      versions: { min: '1.6' },
      policy: 'placement:resource_providers:traits:list',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        cacheHeaders(call, p.updated_at);
        return { traits: await traitsOf(p.id), resource_provider_generation: p.generation };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: `${base}/traits`,
      versions: { min: '1.6' },
      policy: 'placement:resource_providers:traits:update',
      schema: { params: ProviderParams, body: TraitsBody },
      handler: async (call) => {
        const unknown = await unknownNames(env.db, traitNames, call.body.traits);
        if (unknown.length) throw placementErrors.badRequest(`No such trait(s): ${unknown.join(', ')}.`);
        const gen = await env.db.transaction().execute(async (tx) => {
          const p = await getProvider(tx, call.params.uuid.toLowerCase());
          if (call.body.resource_provider_generation !== p.generation) throw providerGenerationConflict();
          const g = await bumpGeneration(tx, p.id, p.generation);
          await tx.deleteFrom('placement_provider_trait').where('provider_id', '=', p.id).execute();
          if (call.body.traits.length) await tx.insertInto('placement_provider_trait').values(call.body.traits.map((t) => ({ provider_id: p.id, trait: t }))).execute();
          return g;
        });
        return { traits: [...call.body.traits].sort(), resource_provider_generation: gen };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/traits`,
      versions: { min: '1.6' },
      policy: 'placement:resource_providers:traits:delete',
      schema: { params: ProviderParams },
      status: 204,
      handler: async (call) => {
        await env.db.transaction().execute(async (tx) => {
          const p = await getProvider(tx, call.params.uuid.toLowerCase());
          await bumpGeneration(tx, p.id, p.generation);
          await tx.deleteFrom('placement_provider_trait').where('provider_id', '=', p.id).execute();
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/usages`,
      policy: 'placement:resource_providers:usages',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        const usage = await providerUsage(env.db, p.id);
        const usages: Record<string, number> = {};
        for (const inv of await getInventories(env.db, p.id)) usages[inv.resource_class] = usage.get(inv.resource_class) ?? 0;
        cacheHeaders(call);
        return { resource_provider_generation: p.generation, usages };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/allocations`,
      policy: 'placement:resource_providers:allocations:list',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        const allocations: Record<string, { resources: Record<string, number>; consumer_generation?: number | null }> = {};
        for (const a of await providerAllocations(env.db, p.id)) {
          const entry = (allocations[a.consumer_id] ??= { resources: {} });
          entry.resources[a.resource_class] = Number(a.used);
          if (at(call, 28)) entry.consumer_generation = a.generation ?? null;
        }
        cacheHeaders(call);
        return { allocations, resource_provider_generation: p.generation };
      },
    }),
  ];
}
