/**
 * Routers and floating IPs on the data plane: a logical router with its static routes, a
 * router port per interface and gateway port, one SNAT rule per internal IPv4 subnet
 * while the gateway has SNAT on, and a dnat_and_snat rule per associated floating IP.
 */
import { fromDbBool, fromDbJson } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import { guarded, pushPort, removePort } from '../networks/data-plane.ts';
import type { ExtraRoute } from './extra-routes.ts';
import { gatewayOf, interfacesOf, routerAddresses } from './topology.ts';
import { ROUTER_GATEWAY } from './service-ports.ts';

export interface DetachedPort {
  readonly portId: string;
  readonly networkId: string;
  readonly subnetIds: readonly string[];
}

export async function pushRouter(env: NetworkEnv, routerId: string, detached: readonly DetachedPort[] = []): Promise<void> {
  const r = await env.db.selectFrom('network_router').selectAll().where('id', '=', routerId).executeTakeFirst();
  if (!r) return;
  const all = await routerAddresses(env.db, routerId);
  await guarded(env, `logical router ${routerId}`, () =>
    env.driver.syncLogicalRouter({
      routerId,
      revision: r.revision_number,
      name: r.name,
      projectId: r.project_id,
      adminStateUp: fromDbBool(r.admin_state_up),
      staticRoutes: fromDbJson<ExtraRoute[]>(r.routes),
    }),
  );
  for (const d of detached) {
    await guarded(env, `router port ${d.portId}`, () => env.driver.deleteLogicalRouterPort(routerId, d.portId));
    await removePort(env, d.networkId, d.portId);
    for (const s of d.subnetIds) await guarded(env, `snat ${s}`, () => env.driver.deleteNat(routerId, s));
  }
  const ports = new Map<string, typeof all>();
  for (const a of all) ports.set(a.portId, [...(ports.get(a.portId) ?? []), a]);
  const macs = new Map(
    (await env.db.selectFrom('network_port').select(['id', 'mac_address', 'revision_number']).where('id', 'in', [...ports.keys(), '']).execute()).map((p) => [p.id, p]),
  );
  for (const [portId, addrs] of ports) {
    await pushPort(env, portId);
    const port = macs.get(portId);
    if (!port) continue;
    await guarded(env, `router port ${portId}`, () =>
      env.driver.syncLogicalRouterPort({
        portId,
        routerId,
        networkId: addrs[0]!.networkId,
        revision: port.revision_number,
        macAddress: port.mac_address,
        networks: addrs.map((a) => `${a.ipAddress}/${a.cidr.split('/')[1]}`),
        gateway: addrs[0]!.portType === ROUTER_GATEWAY,
        gatewayChassis: [],
      }),
    );
  }
  const externalIp = gatewayOf(all).find((a) => a.ipVersion === 4)?.ipAddress;
  const snat = externalIp !== undefined && fromDbBool(r.enable_snat);
  for (const a of interfacesOf(all).filter((x) => x.ipVersion === 4)) {
    if (snat) {
      await guarded(env, `snat ${a.subnetId}`, () =>
        env.driver.syncNat({ id: a.subnetId, routerId, revision: r.revision_number, type: 'snat', externalIp, logicalIp: a.cidr }),
      );
    } else {
      await guarded(env, `snat ${a.subnetId}`, () => env.driver.deleteNat(routerId, a.subnetId));
    }
  }
}

export async function removeRouter(env: NetworkEnv, routerId: string, detached: readonly DetachedPort[]): Promise<void> {
  for (const d of detached) await removePort(env, d.networkId, d.portId);
  await guarded(env, `logical router ${routerId}`, () => env.driver.deleteLogicalRouter(routerId));
}

/** The floating IP's NAT rule where it is associated now; `previousRouter` loses it when that changed. */
export async function pushFloatingIp(env: NetworkEnv, fipId: string, previousRouter: string | null): Promise<void> {
  const f = await env.db.selectFrom('network_floatingip').selectAll().where('id', '=', fipId).executeTakeFirst();
  const router = f?.router_id ?? null;
  if (previousRouter !== null && previousRouter !== router) {
    await guarded(env, `floating ip ${fipId}`, () => env.driver.deleteNat(previousRouter, fipId));
  }
  if (!f) return;
  await pushPort(env, f.floating_port_id);
  if (router !== null && f.fixed_ip_address !== null && f.fixed_port_id !== null) {
    await guarded(env, `floating ip ${fipId}`, () =>
      env.driver.syncNat({
        id: fipId,
        routerId: router,
        revision: f.revision_number,
        type: 'dnat_and_snat',
        externalIp: f.floating_ip_address,
        logicalIp: f.fixed_ip_address!,
        logicalPort: f.fixed_port_id!,
      }),
    );
  }
}
