import { randomUUID } from 'node:crypto';
import { fromDbBool, toDbBool, toDbJson } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import type { FixedIpRequest } from '../ipam/allocator.ts';
import { withAllocationRetry } from '../ipam/allocator.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import { pushRouter, removeRouter, type DetachedPort } from '../routers/data-plane.ts';
import { l3Errors } from '../routers/errors.ts';
import { validateRoutes, type ExtraRoute } from '../routers/extra-routes.ts';
import { applyGateway, type GatewayRequest } from '../routers/gateway.ts';
import { interfacePortIds, routerAddresses } from '../routers/topology.ts';
import type { NetworkTx } from '../store/db.ts';
import { getNetworkRow, getPortRow, newStandardAttributes, reviseRow } from '../store/rows.ts';
import type { RouterTable } from '../store/tables.ts';
import { dropTags, tagsOf } from '../store/tags.ts';
import { authorizeAttributes, callerProject, isAdmin } from './access.ts';
import { convert, parseResourceBody, type AttributeMap, type Convert } from './attributes.ts';
import { applyFilters, fetchPage, fieldsParam, listBody, parseListQuery, selectFields, type ListSpec } from './neutron-list.ts';
import { networkTarget } from './network-routes.ts';
import { gatewaysOf, routerView } from './router-views.ts';
import { cidrText } from './subnet-routes.ts';

const gatewayInfo: Convert = (v, name) => {
  if (v === null) return null;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return null;
  return convert.dict(
    {
      network_id: convert.uuid,
      enable_snat: convert.bool,
      external_fixed_ips: convert.list(convert.dict({ subnet_id: convert.uuid, ip_address: convert.ip })),
    },
    ['network_id'],
  )(v, name);
};

const routeList = convert.list(convert.dict({ destination: cidrText, nexthop: convert.ip }, ['destination', 'nexthop']));
/** Neutron's routes: a list of {destination, nexthop}; null means none (convert_none_to_empty_list). */
export const routesAttr: Convert = (v, name) => (v === null ? [] : routeList(v, name));

const ATTRS: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, convert: convert.string(255) },
  description: { post: true, put: true, convert: convert.string(255) },
  admin_state_up: { post: true, put: true, convert: convert.bool },
  external_gateway_info: { post: true, put: true, convert: gatewayInfo },
  routes: { post: false, put: true, convert: routesAttr },
  status: { post: false, put: false },
  tenant_id: { post: true, put: false, convert: convert.projectId },
  project_id: { post: true, put: false, convert: convert.projectId },
};

export const ROUTER_LIST: ListSpec = {
  collection: 'routers',
  columns: {
    id: { column: 'network_router.id', kind: 'string' },
    name: { column: 'network_router.name', kind: 'string' },
    description: { column: 'network_router.description', kind: 'string' },
    tenant_id: { column: 'network_router.project_id', kind: 'string' },
    project_id: { column: 'network_router.project_id', kind: 'string' },
    admin_state_up: { column: 'network_router.admin_state_up', kind: 'bool' },
    status: { column: 'network_router.status', kind: 'string' },
    revision_number: { column: 'network_router.revision_number', kind: 'int' },
    created_at: { column: 'network_router.created_at', kind: 'string' },
    updated_at: { column: 'network_router.updated_at', kind: 'string' },
  },
};

export function routerTarget(r: RouterTable): Record<string, unknown> {
  return { id: r.id, project_id: r.project_id, tenant_id: r.project_id };
}

export async function visibleRouter(env: NetworkEnv, call: ApiCall, id: string): Promise<RouterTable> {
  const r = await env.db.selectFrom('network_router').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !call.can('get_router', routerTarget(r))) throw l3Errors.routerNotFound(id);
  return r;
}

async function views(env: NetworkEnv, rows: readonly RouterTable[], fields?: readonly string[]) {
  const [gateways, tags] = await Promise.all([gatewaysOf(env.db, rows), tagsOf(env.db, 'routers', rows.map((r) => r.id))]);
  return rows.map((r) => selectFields(routerView(r, gateways.get(r.id), tags.get(r.id) ?? []), fields));
}

export async function showRouter(env: NetworkEnv, id: string, fields?: readonly string[]) {
  const r = await env.db.selectFrom('network_router').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw l3Errors.routerNotFound(id);
  return { router: (await views(env, [r], fields))[0] };
}

/** The gateway a request asks for, checked: the network must exist, be visible and be external. */
async function gatewayRequest(env: NetworkEnv, call: ApiCall, info: Record<string, unknown> | null): Promise<GatewayRequest | null> {
  if (info === null) return null;
  const networkId = info.network_id as string;
  const n = await getNetworkRow(env.db, networkId);
  if (!n || !call.can('get_network', networkTarget(n))) throw networkErrors.networkNotFound(networkId);
  if (!fromDbBool(n.external)) throw l3Errors.badRouter(`Network ${networkId} is not an external network`);
  return {
    networkId,
    enableSnat: info.enable_snat as boolean | undefined,
    externalFixedIps: info.external_fixed_ips as FixedIpRequest[] | undefined,
  };
}

/** Locks the router row (bumping its revision) and reads it back; 404 when it went away. */
export async function lockRouter(tx: NetworkTx, env: NetworkEnv, id: string, changes: Record<string, unknown> = {}): Promise<RouterTable> {
  await reviseRow(tx, 'network_router', id, changes, env.now());
  const r = await tx.selectFrom('network_router').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw l3Errors.routerNotFound(id);
  return r;
}

function detachedGateway(portIds: readonly string[], networkId: string | undefined): DetachedPort[] {
  return networkId === undefined ? [] : portIds.map((portId) => ({ portId, networkId, subnetIds: [] }));
}

export function routerRoutes(env: NetworkEnv): RouteSpec[] {
  const create = defineRoute({
    method: 'POST',
    url: '/v2.0/routers',
    policy: 'create_router',
    status: 201,
    target: (call) => {
      const body = (call.body as { router?: Record<string, unknown> } | undefined)?.router ?? {};
      const project = (body.project_id ?? body.tenant_id ?? callerProject(call)) as string;
      return { project_id: project, tenant_id: project };
    },
    async handler(call) {
      const a = parseResourceBody(call.body, 'router', ATTRS, 'post');
      const projectId = (a.project_id ?? a.tenant_id ?? callerProject(call)) as string;
      authorizeAttributes(call, 'create_router', a, { project_id: projectId, tenant_id: projectId });
      const gateway = await gatewayRequest(env, call, (a.external_gateway_info as Record<string, unknown> | null | undefined) ?? null);
      const id = randomUUID();
      await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          await enforceQuota(tx, env.settings, projectId, 'router');
          await tx
            .insertInto('network_router')
            .values({
              id,
              project_id: projectId,
              name: (a.name as string | undefined) ?? '',
              admin_state_up: toDbBool((a.admin_state_up as boolean | undefined) ?? true),
              status: 'ACTIVE',
              gw_port_id: null,
              enable_snat: toDbBool(env.settings.enable_snat_by_default),
              routes: toDbJson([]),
              ...newStandardAttributes(env.now(), (a.description as string | undefined) ?? ''),
            })
            .execute();
          if (gateway) await applyGateway(tx, env, (await tx.selectFrom('network_router').selectAll().where('id', '=', id).executeTakeFirst())!, gateway, attempt);
        },
        () => networkErrors.ipAllocationRaced(gateway?.networkId ?? id),
      );
      await pushRouter(env, id);
      return showRouter(env, id);
    },
  });

  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/routers',
    policy: 'get_router',
    target: (call) => ({ project_id: callerProject(call), tenant_id: callerProject(call) }),
    async handler(call) {
      const q = parseListQuery(call, ROUTER_LIST, env.settings.pagination_max_limit);
      let marker: RouterTable | undefined;
      if (q.marker !== undefined) {
        marker = await env.db.selectFrom('network_router').selectAll().where('id', '=', q.marker).executeTakeFirst();
        if (!marker) throw l3Errors.routerNotFound(q.marker);
      }
      let qb = env.db.selectFrom('network_router').selectAll('network_router');
      if (!isAdmin(call)) qb = qb.where('network_router.project_id', '=', callerProject(call));
      qb = applyFilters(qb, q, 'routers', 'network_router.id');
      const rows = (await fetchPage(qb, q, marker)).filter((r) => call.can('get_router', routerTarget(r)));
      return listBody(call, ROUTER_LIST, q, await views(env, rows, q.fields), rows.map((r) => r.id));
    },
  });

  const idOf = (call: ApiCall) => (call.params as { router_id: string }).router_id;
  const targetOf = async (call: ApiCall) => routerTarget(await visibleRouter(env, call, idOf(call)));

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/routers/:router_id',
    policy: 'get_router',
    target: targetOf,
    handler: (call) => showRouter(env, idOf(call), fieldsParam(call)),
  });

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/routers/:router_id',
    policy: 'update_router',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const a = parseResourceBody(call.body, 'router', ATTRS, 'put');
      const before = await visibleRouter(env, call, id);
      authorizeAttributes(call, 'update_router', a, routerTarget(before));
      const gateway = 'external_gateway_info' in a ? await gatewayRequest(env, call, a.external_gateway_info as Record<string, unknown> | null) : undefined;
      const changes: Record<string, unknown> = {};
      if ('name' in a) changes.name = a.name;
      if ('description' in a) changes.description = a.description;
      if ('admin_state_up' in a) changes.admin_state_up = toDbBool(a.admin_state_up as boolean);
      const oldGatewayNet = before.gw_port_id ? (await getPortRow(env.db, before.gw_port_id))?.network_id : undefined;
      const removed = await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          const r = await lockRouter(tx, env, id, changes);
          const gone = gateway === undefined ? [] : await applyGateway(tx, env, r, gateway, attempt);
          if ('routes' in a) {
            const routes = validateRoutes(a.routes as ExtraRoute[], await routerAddresses(tx, id), env.settings.max_routes);
            await tx.updateTable('network_router').set({ routes: toDbJson(routes) }).where('id', '=', id).execute();
          }
          return gone;
        },
        () => networkErrors.ipAllocationRaced(gateway?.networkId ?? id),
      );
      await pushRouter(env, id, detachedGateway(removed, oldGatewayNet));
      return showRouter(env, id);
    },
  });

  const remove = defineRoute({
    method: 'DELETE',
    url: '/v2.0/routers/:router_id',
    policy: 'delete_router',
    status: 204,
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const before = await visibleRouter(env, call, id);
      const oldGatewayNet = before.gw_port_id ? (await getPortRow(env.db, before.gw_port_id))?.network_id : undefined;
      const removed = await env.db.transaction().execute(async (tx) => {
        const r = await lockRouter(tx, env, id);
        if ((await interfacePortIds(tx, id)).length) throw l3Errors.routerInUse(id);
        const gone = await applyGateway(tx, env, r, null, 0);
        await tx.updateTable('network_floatingip').set({ router_id: null, fixed_port_id: null, fixed_ip_address: null, status: 'DOWN' }).where('router_id', '=', id).execute();
        await dropTags(tx, 'routers', id);
        await tx.deleteFrom('network_router').where('id', '=', id).execute();
        return gone;
      });
      await removeRouter(env, id, detachedGateway(removed, oldGatewayNet));
      return undefined;
    },
  });

  return [create, list, show, update, remove];
}

