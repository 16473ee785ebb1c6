import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { networkErrors } from '../errors.ts';
import { withAllocationRetry } from '../ipam/allocator.ts';
import { pushRouter } from '../routers/data-plane.ts';
import { l3Errors } from '../routers/errors.ts';
import { validateRoutes, type ExtraRoute } from '../routers/extra-routes.ts';
import { addInterfaceByPort, addInterfaceBySubnet, removeInterface, type InterfaceInfo } from '../routers/interfaces.ts';
import { routerAddresses } from '../routers/topology.ts';
import { getNetworkRow, getPortRow, getSubnetRow } from '../store/rows.ts';
import type { RouterTable } from '../store/tables.ts';
import { isAdmin } from './access.ts';
import { convert, parseResourceBody } from './attributes.ts';
import { portTarget } from './port-routes.ts';
import { lockRouter, routerTarget, routesAttr, showRouter, visibleRouter } from './router-routes.ts';
import { subnetTarget } from './subnet-routes.ts';

interface InterfaceBody {
  readonly subnetId: string | undefined;
  readonly portId: string | undefined;
}

function interfaceBody(body: unknown): InterfaceBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw l3Errors.badRouter('Either subnet_id or port_id must be specified');
  const b = body as Record<string, unknown>;
  const subnetId = b.subnet_id === undefined || b.subnet_id === null ? undefined : (convert.uuid(b.subnet_id, 'subnet_id') as string);
  const portId = b.port_id === undefined || b.port_id === null ? undefined : (convert.uuid(b.port_id, 'port_id') as string);
  return { subnetId, portId };
}

function interfaceView(r: RouterTable, info: InterfaceInfo) {
  return {
    id: r.id,
    tenant_id: r.project_id,
    project_id: r.project_id,
    port_id: info.portId,
    network_id: info.networkId,
    subnet_id: info.subnetIds[0],
    subnet_ids: [...info.subnetIds],
  };
}

/** add_router_interface, remove_router_interface and the extraroute-atomic add/remove_extraroutes. */
export function routerInterfaceRoutes(env: NetworkEnv): RouteSpec[] {
  const idOf = (call: ApiCall) => (call.params as { router_id: string }).router_id;
  const targetOf = async (call: ApiCall) => routerTarget(await visibleRouter(env, call, idOf(call)));

  const visibleSubnet = async (call: ApiCall, id: string) => {
    const s = await getSubnetRow(env.db, id);
    if (!s || !call.can('get_subnet', subnetTarget(s, await getNetworkRow(env.db, s.network_id)))) throw networkErrors.subnetNotFound(id);
    return s;
  };

  const add = defineRoute({
    method: 'PUT',
    url: '/v2.0/routers/:router_id/add_router_interface',
    policy: 'add_router_interface',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const by = interfaceBody(call.body);
      if (by.subnetId !== undefined && by.portId !== undefined) throw l3Errors.badRouter('Cannot specify both subnet-id and port-id');
      if (by.subnetId === undefined && by.portId === undefined) throw l3Errors.badRouter('Either subnet_id or port_id must be specified');
      const subnet = by.subnetId !== undefined ? await visibleSubnet(call, by.subnetId) : undefined;
      if (by.portId !== undefined) {
        const p = await getPortRow(env.db, by.portId);
        if (!p || !call.can('get_port', portTarget(p, await getNetworkRow(env.db, p.network_id)))) throw networkErrors.portNotFound(by.portId);
        const r = await visibleRouter(env, call, id);
        if (p.project_id !== r.project_id && !isAdmin(call)) {
          throw l3Errors.badRouter(`Cannot add interface to router ${id}: port ${p.id} belongs to another project`);
        }
      }
      const { router, info } = await withAllocationRetry(
        env.db,
        env.settings.ipam_retries,
        async (tx, attempt) => {
          const r = await lockRouter(tx, env, id);
          if (subnet) return { router: r, info: await addInterfaceBySubnet(tx, env, r, subnet, attempt) };
          const port = await getPortRow(tx, by.portId!);
          if (!port) throw networkErrors.portNotFound(by.portId!);
          return { router: r, info: await addInterfaceByPort(tx, r, port) };
        },
        () => networkErrors.ipAllocationRaced(subnet?.network_id ?? id),
      );
      await pushRouter(env, id);
      return interfaceView(router, info);
    },
  });

  const remove = defineRoute({
    method: 'PUT',
    url: '/v2.0/routers/:router_id/remove_router_interface',
    policy: 'remove_router_interface',
    target: targetOf,
    async handler(call) {
      const id = idOf(call);
      const by = interfaceBody(call.body);
      if (by.subnetId === undefined && by.portId === undefined) throw l3Errors.badRouter('Either subnet_id or port_id must be specified');
      if (by.subnetId !== undefined) await visibleSubnet(call, by.subnetId);
      const { router, info } = await env.db.transaction().execute(async (tx) => {
        const r = await lockRouter(tx, env, id);
        return { router: r, info: await removeInterface(tx, r, by) };
      });
      await pushRouter(env, id, [info]);
      return interfaceView(router, info);
    },
  });

  const key = (r: ExtraRoute) => `${r.destination} ${r.nexthop}`;
  const extraRoutes = (verb: 'add' | 'remove') =>
    defineRoute({
      method: 'PUT',
      url: `/v2.0/routers/:router_id/${verb}_extraroutes`,
      policy: `${verb}_extraroutes`,
      target: targetOf,
      async handler(call) {
        const id = idOf(call);
        const a = parseResourceBody(call.body, 'router', { routes: { post: true, put: true, required: true, convert: routesAttr } }, 'post');
        const given = a.routes as ExtraRoute[];
        await env.db.transaction().execute(async (tx) => {
          const r = await lockRouter(tx, env, id);
          const current = fromDbJson<ExtraRoute[]>(r.routes);
          const next =
            verb === 'add'
              ? validateRoutes([...current, ...given], await routerAddresses(tx, id), env.settings.max_routes)
              : current.filter((c) => !given.some((g) => key(g) === key(c)));
          await tx.updateTable('network_router').set({ routes: toDbJson(next) }).where('id', '=', id).execute();
        });
        await pushRouter(env, id);
        return showRouter(env, id);
      },
    });

  return [add, remove, extraRoutes('add'), extraRoutes('remove')];
}
