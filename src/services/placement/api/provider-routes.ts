import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import { groupConditions, providersMatching, providersWithResource } from '../allocation-candidates/data.ts';
import { parseMemberOf, parseResources, parseTraits } from '../allocation-candidates/request.ts';
import type { PlacementEnv } from '../env.ts';
import { placementErrors } from '../errors.ts';
import { createProvider, deleteProvider, getProvider, listProviders, updateProvider } from '../store/providers.ts';
import { traits as traitNames, unknownNames, resourceClasses } from '../store/names.ts';
import { at, cacheHeaders, normalizeUuid, ProviderParams, UUID_RE } from './common.ts';
import { providerView } from './views.ts';

const NAME = Type.String({ minLength: 1, maxLength: 200 });
const NullableUuid = Type.Union([Type.String({ pattern: UUID_RE.source }), Type.Null()]);
const CreateBody = Type.Object(
  { name: NAME, uuid: Type.Optional(Type.String({ pattern: UUID_RE.source })), parent_provider_uuid: Type.Optional(NullableUuid) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object({ name: NAME, parent_provider_uuid: Type.Optional(NullableUuid) }, { additionalProperties: false });

const LIST_KEYS: [string, number][] = [['name', 0], ['uuid', 0], ['member_of', 3], ['resources', 4], ['in_tree', 14], ['required', 18]];

async function listFiltered(env: PlacementEnv, call: ApiCall) {
  const q = call.query as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    const spec = LIST_KEYS.find(([k]) => k === key);
    if (!spec || !at(call, spec[1])) throw placementErrors.badRequest(`Invalid query string parameters: Additional properties are not allowed ('${key}' was unexpected)`);
  }
  const one = (key: string) => {
    const v = q[key];
    return v === undefined ? undefined : Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  };
  const list = (key: string) => (q[key] === undefined ? [] : Array.isArray(q[key]) ? (q[key] as unknown[]).map(String) : [String(q[key])]);
  const atV = (m: number) => at(call, m);
  const required = parseTraits(list('required'), 'required', atV);
  const unknownTraits = await unknownNames(env.db, traitNames, [...required.required.flatMap((s) => [...s]), ...required.forbidden]);
  if (unknownTraits.length) throw placementErrors.badRequest(`No such trait(s): ${unknownTraits.join(', ')}.`);
  const memberOf = parseMemberOf(list('member_of'), 'member_of', atV);
  let treeRootId: number | undefined;
  const inTree = one('in_tree');
  if (inTree !== undefined) {
    const root = await listProviders(env.db, { uuid: normalizeUuid(inTree, 'in_tree') });
    if (!root[0]) return [];
    treeRootId = root[0].root_id;
  }
  const resources = one('resources') !== undefined ? parseResources(one('resources')!) : new Map<string, number>();
  const unknownRc = await unknownNames(env.db, resourceClasses, resources.keys());
  if (unknownRc.length) throw placementErrors.badRequest(`Invalid resource class in resources parameter: No such resource class ${unknownRc[0]}.`);
  const group = {
    suffix: '',
    sameProvider: true,
    resources,
    requiredTraits: required.required,
    forbiddenTraits: required.forbidden,
    memberOf: memberOf.memberOf,
    forbiddenAggregates: memberOf.forbidden,
  };
  const conds = groupConditions(group, { withTraits: true, treeRootId, rootRequired: new Set(), rootForbidden: new Set() });
  let ids: Set<number> | undefined;
  if (resources.size) {
    for (const [rc, amount] of resources) {
      const found = new Set((await providersWithResource(env.db, rc, amount, conds)).map((p) => p.id));
      ids = ids ? new Set([...ids].filter((id) => found.has(id))) : found;
    }
  } else if (conds.length) {
    ids = new Set((await providersMatching(env.db, conds)).map((p) => p.id));
  }
  const uuid = one('uuid');
  return listProviders(env.db, { name: one('name'), uuid: uuid === undefined ? undefined : uuid.toLowerCase(), ids });
}

export function providerRoutes(env: PlacementEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/resource_providers',
      policy: 'placement:resource_providers:list',
      handler: async (call) => {
        const rows = await listFiltered(env, call);
        cacheHeaders(call);
        return { resource_providers: rows.map((p) => providerView(call, p)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/resource_providers',
      policy: 'placement:resource_providers:create',
      schema: { body: CreateBody },
      handler: async (call) => {
        if (call.body.parent_provider_uuid !== undefined && !at(call, 14)) {
          throw placementErrors.badRequest("JSON does not validate: Additional properties are not allowed ('parent_provider_uuid' was unexpected)");
        }
        const uuid = call.body.uuid ? normalizeUuid(call.body.uuid) : randomUUID();
        const parent = call.body.parent_provider_uuid ? normalizeUuid(call.body.parent_provider_uuid) : null;
        const p = await env.db.transaction().execute((tx) => createProvider(tx, { uuid, name: call.body.name, parentUuid: parent }));
        call.reply.header('location', `/resource_providers/${p.uuid}`);
        if (!at(call, 20)) {
          call.reply.code(201).send();
          return undefined;
        }
        return providerView(call, p);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/resource_providers/:uuid',
      policy: 'placement:resource_providers:show',
      schema: { params: ProviderParams },
      handler: async (call) => {
        const p = await getProvider(env.db, call.params.uuid.toLowerCase());
        cacheHeaders(call, p.updated_at);
        return providerView(call, p);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/resource_providers/:uuid',
      policy: 'placement:resource_providers:update',
      schema: { params: ProviderParams, body: UpdateBody },
      handler: async (call) => {
        if (call.body.parent_provider_uuid !== undefined && !at(call, 14)) {
          throw placementErrors.badRequest("JSON does not validate: Additional properties are not allowed ('parent_provider_uuid' was unexpected)");
        }
        const parent = call.body.parent_provider_uuid === undefined ? undefined : call.body.parent_provider_uuid === null ? null : normalizeUuid(call.body.parent_provider_uuid);
        const p = await env.db.transaction().execute(async (tx) => {
          const current = await getProvider(tx, call.params.uuid.toLowerCase());
          return updateProvider(tx, current, { name: call.body.name, parentUuid: parent, allowReparent: at(call, 37) });
        });
        return providerView(call, p);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/resource_providers/:uuid',
      policy: 'placement:resource_providers:delete',
      schema: { params: ProviderParams },
      status: 204,
      handler: async (call) => {
        await env.db.transaction().execute(async (tx) => deleteProvider(tx, await getProvider(tx, call.params.uuid.toLowerCase())));
      },
    }),
  ];
}
