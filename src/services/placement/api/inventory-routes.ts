import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors, providerGenerationConflict } from '../errors.ts';
import { getInventories, INVENTORY_DEFAULTS, MAX_INT, replaceInventories, type InventoryFields } from '../store/inventories.ts';
import { resourceClasses, unknownNames } from '../store/names.ts';
import { getProvider, type Provider } from '../store/providers.ts';
import type { InventoryRow } from '../store/tables.ts';
import { at, cacheHeaders } from './common.ts';

const Int = (min: number) => Type.Integer({ minimum: min, maximum: MAX_INT });
const inventoryProps = {
  total: Int(1),
  reserved: Type.Optional(Int(0)),
  min_unit: Type.Optional(Int(1)),
  max_unit: Type.Optional(Int(1)),
  step_size: Type.Optional(Int(1)),
  allocation_ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3.40282e38 })),
};
const Inventory = Type.Object(inventoryProps, { additionalProperties: false });
const Generation = Type.Integer({ minimum: 0 });
const PutAll = Type.Object(
  { resource_provider_generation: Generation, inventories: Type.Record(Type.String({ pattern: '^[A-Z0-9_]+$' }), Inventory) },
  { additionalProperties: false },
);
const PostOne = Type.Object({ ...inventoryProps, resource_class: Type.String({ pattern: '^[A-Z0-9_]+$' }), resource_provider_generation: Type.Optional(Generation) }, { additionalProperties: false });
const PutOne = Type.Object({ ...inventoryProps, resource_provider_generation: Generation }, { additionalProperties: false });
const RcParams = Type.Object({ uuid: Type.String(), resource_class: Type.String() });
const Params = Type.Object({ uuid: Type.String() });

type InventoryInput = { total: number; reserved?: number; min_unit?: number; max_unit?: number; step_size?: number; allocation_ratio?: number };

const inventoryView = (i: InventoryRow | InventoryFields) => ({
  allocation_ratio: Number(i.allocation_ratio),
  max_unit: Number(i.max_unit),
  min_unit: Number(i.min_unit),
  reserved: Number(i.reserved),
  step_size: Number(i.step_size),
  total: Number(i.total),
});

function complete(call: ApiCall, provider: Provider, rc: string, input: InventoryInput): InventoryFields {
  const inv = { ...INVENTORY_DEFAULTS, ...input };
  const tooMuch = at(call, 26) ? inv.reserved > inv.total : inv.reserved >= inv.total && !(inv.reserved === 0 && inv.total === 0);
  if (tooMuch) {
    throw placementErrors.badRequest(
      `Unable to update inventory for resource provider ${provider.uuid}: Invalid inventory for '${rc}' on resource provider '${provider.uuid}'. The reserved value is greater than ${at(call, 26) ? '' : 'or equal to '}total.`,
    );
  }
  if (inv.min_unit > inv.max_unit) {
    throw placementErrors.badRequest(`Unable to update inventory for resource provider ${provider.uuid}: Invalid inventory for '${rc}': min_unit is greater than max_unit.`);
  }
  return inv;
}

// Checked before the write's transaction opens: SQLite has one connection, which the
// transaction holds.
async function checkClasses(env: PlacementEnv, uuid: string, classes: Iterable<string>) {
  const unknown = await unknownNames(env.db, resourceClasses, classes);
  if (unknown.length) throw placementErrors.badRequest(`Unknown resource class in inventory for resource provider ${uuid}: ${unknown.join(', ')}`);
}

/** Reads, changes and writes a provider's whole inventory at the generation the caller gave. */
async function changeInventories(
  env: PlacementEnv,
  call: ApiCall,
  uuid: string,
  generation: number | undefined,
  change: (current: Map<string, InventoryFields>, provider: Provider) => Promise<Map<string, InventoryFields>> | Map<string, InventoryFields>,
) {
  return env.db.transaction().execute(async (tx) => {
    const provider = await getProvider(tx, uuid.toLowerCase());
    if (generation !== undefined && generation !== provider.generation) throw providerGenerationConflict();
    const current = new Map((await getInventories(tx, provider.id)).map((i) => [i.resource_class, inventoryView(i)]));
    const next = await change(current, provider);
    const newGeneration = await replaceInventories(tx, provider, provider.generation, next, (rc) =>
      call.log.warn({ provider: provider.uuid, resource_class: rc }, 'inventory update leaves the provider over capacity'),
    );
    return { provider, inventories: next, generation: newGeneration };
  });
}

export function inventoryRoutes(env: PlacementEnv): RouteSpec[] {
  const base = '/resource_providers/:uuid/inventories';
  return [
    defineRoute({
      method: 'GET',
      url: base,
      policy: 'placement:resource_providers:inventories:list',
      schema: { params: Params },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        const rows = await getInventories(env.db, p.id);
        cacheHeaders(call, p.updated_at);
        return { inventories: Object.fromEntries(rows.map((r) => [r.resource_class, inventoryView(r)])), resource_provider_generation: p.generation };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: base,
      policy: 'placement:resource_providers:inventories:update',
      schema: { params: Params, body: PutAll },
      handler: async (call) => {
        await checkClasses(env, call.params.uuid, Object.keys(call.body.inventories));
        const result = await changeInventories(env, call, call.params.uuid, call.body.resource_provider_generation, (_cur, provider) => {
          return new Map(Object.entries(call.body.inventories).map(([rc, inv]) => [rc, complete(call, provider, rc, inv)]));
        });
        return {
          inventories: Object.fromEntries([...result.inventories].map(([rc, i]) => [rc, inventoryView(i)])),
          resource_provider_generation: result.generation,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: base,
      policy: 'placement:resource_providers:inventories:create',
      schema: { params: Params, body: PostOne },
      status: 201,
      handler: async (call) => {
        const { resource_class: rc, resource_provider_generation: gen, ...input } = call.body;
        await checkClasses(env, call.params.uuid, [rc]);
        const result = await changeInventories(env, call, call.params.uuid, gen, (cur, provider) => {
          if (cur.has(rc)) throw placementErrors.conflict(`Update conflict: Inventory for '${rc}' on resource provider '${provider.uuid}' already exists.`);
          return new Map([...cur, [rc, complete(call, provider, rc, input)]]);
        });
        call.reply.header('location', `/resource_providers/${result.provider.uuid}/inventories/${rc}`);
        return { ...inventoryView(result.inventories.get(rc)!), resource_provider_generation: result.generation };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: base,
      versions: { min: '1.5' },
      policy: 'placement:resource_providers:inventories:delete',
      schema: { params: Params },
      status: 204,
      handler: async (call) => {
        await changeInventories(env, call, call.params.uuid, undefined, () => new Map());
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:resource_class`,
      policy: 'placement:resource_providers:inventories:show',
      schema: { params: RcParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        const row = (await getInventories(env.db, p.id)).find((i) => i.resource_class === call.params.resource_class);
        if (!row) throw placementErrors.notFound(`No inventory of class ${call.params.resource_class} for ${p.uuid}`);
        cacheHeaders(call, row.updated_at);
        return { ...inventoryView(row), resource_provider_generation: p.generation };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: `${base}/:resource_class`,
      policy: 'placement:resource_providers:inventories:update',
      schema: { params: RcParams, body: PutOne },
      handler: async (call) => {
        const rc = call.params.resource_class;
        const { resource_provider_generation: gen, ...input } = call.body;
        await checkClasses(env, call.params.uuid, [rc]);
        const result = await changeInventories(env, call, call.params.uuid, gen, (cur, provider) => {
          if (!cur.has(rc)) throw placementErrors.badRequest(`No inventory record with resource class for resource provider ${provider.uuid}: ${rc}`);
          return new Map([...cur, [rc, complete(call, provider, rc, input)]]);
        });
        return { ...inventoryView(result.inventories.get(rc)!), resource_provider_generation: result.generation };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:resource_class`,
      policy: 'placement:resource_providers:inventories:delete',
      schema: { params: RcParams },
      status: 204,
      handler: async (call) => {
        const rc = call.params.resource_class;
        await changeInventories(env, call, call.params.uuid, undefined, (cur, provider) => {
          if (!cur.has(rc)) throw placementErrors.notFound(`No inventory of class ${rc} found for delete`);
          void provider;
          const next = new Map(cur);
          next.delete(rc);
          return next;
        });
      },
    }),
  ];
}
