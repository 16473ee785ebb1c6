/**
 * Router interfaces: a subnet joins a router through a port holding the subnet's gateway
 * address (by subnet) or through a port the user made (by port). No two subnets on one
 * router may overlap, and a subnet joins a router once. Runs inside the caller's
 * transaction, after the router row was bumped, so interface changes of one router queue
 * up behind each other and each checks what the previous one committed.
 */
import { randomUUID } from 'node:crypto';
import { cidrsOverlap, formatCidr, parseCidr } from '../ipam/address.ts';
import type { NetworkEnv } from '../env.ts';
import type { NetworkTx } from '../store/db.ts';
import type { PortTable, RouterTable, SubnetTable } from '../store/tables.ts';
import { l3Errors } from './errors.ts';
import { routesThrough, type ExtraRoute } from './extra-routes.ts';
import { fromDbJson } from '../../../core/db/index.ts';
import { insertServicePort, ROUTER_INTERFACE, deleteServicePort } from './service-ports.ts';
import { routerAddresses } from './topology.ts';

export interface InterfaceInfo {
  readonly portId: string;
  readonly networkId: string;
  readonly subnetIds: readonly string[];
}

async function checkNewSubnets(tx: NetworkTx, router: RouterTable, subnets: readonly SubnetTable[]): Promise<void> {
  const attached = await routerAddresses(tx, router.id);
  for (const s of subnets) {
    if (attached.some((a) => a.subnetId === s.id)) throw l3Errors.badRouter(`Router already has a port on subnet ${s.id}`);
    const cidr = parseCidr(s.cidr)!;
    for (const a of attached) {
      if (cidrsOverlap(cidr, parseCidr(a.cidr)!)) {
        throw l3Errors.badRouter(`Cidr ${formatCidr(cidr)} of subnet ${s.id} overlaps with cidr ${a.cidr} of subnet ${a.subnetId}`);
      }
    }
  }
  for (let i = 0; i < subnets.length; i++) {
    for (let j = i + 1; j < subnets.length; j++) {
      if (cidrsOverlap(parseCidr(subnets[i]!.cidr)!, parseCidr(subnets[j]!.cidr)!)) {
        throw l3Errors.badRouter(`Cidr ${subnets[i]!.cidr} of subnet ${subnets[i]!.id} overlaps with cidr ${subnets[j]!.cidr} of subnet ${subnets[j]!.id}`);
      }
    }
  }
}

export async function addInterfaceBySubnet(tx: NetworkTx, env: NetworkEnv, router: RouterTable, subnet: SubnetTable, attempt: number): Promise<InterfaceInfo> {
  if (subnet.gateway_ip === null) throw l3Errors.badRouter('Subnet for router interface must have a gateway IP');
  await checkNewSubnets(tx, router, [subnet]);
  const portId = randomUUID();
  await insertServicePort(
    tx,
    env,
    { id: portId, networkId: subnet.network_id, projectId: subnet.project_id, deviceOwner: ROUTER_INTERFACE, deviceId: router.id, fixedIps: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }] },
    attempt,
  );
  await tx.insertInto('network_router_port').values({ port_id: portId, router_id: router.id, port_type: ROUTER_INTERFACE }).execute();
  return { portId, networkId: subnet.network_id, subnetIds: [subnet.id] };
}

export async function addInterfaceByPort(tx: NetworkTx, router: RouterTable, port: PortTable): Promise<InterfaceInfo> {
  if (port.device_id !== '' || port.device_owner !== '') throw l3Errors.portInUse(port.id, port.network_id, port.device_id || port.device_owner);
  const ips = await tx
    .selectFrom('network_ip_allocation')
    .innerJoin('network_subnet', 'network_subnet.id', 'network_ip_allocation.subnet_id')
    .selectAll('network_subnet')
    .where('network_ip_allocation.port_id', '=', port.id)
    .execute();
  if (!ips.length) throw l3Errors.badRouter('Router port must have at least one fixed IP');
  if (ips.filter((s) => s.ip_version === 4).length > 1) throw l3Errors.badRouter('Cannot have multiple IPv4 subnets on router port');
  await checkNewSubnets(tx, router, ips);
  await tx.insertInto('network_router_port').values({ port_id: port.id, router_id: router.id, port_type: ROUTER_INTERFACE }).execute();
  await tx.deleteFrom('network_port_security_group').where('port_id', '=', port.id).execute();
  await tx
    .updateTable('network_port')
    .set((eb) => ({ device_id: router.id, device_owner: ROUTER_INTERFACE, revision_number: eb('revision_number', '+', 1) }))
    .where('id', '=', port.id)
    .execute();
  return { portId: port.id, networkId: port.network_id, subnetIds: [...new Set(ips.map((s) => s.id))] };
}

/**
 * Removes the interface named by subnet and/or port; refuses while floating IPs or extra
 * routes need it. The interface port is deleted, as Neutron does.
 */
export async function removeInterface(tx: NetworkTx, router: RouterTable, by: { subnetId?: string | undefined; portId?: string | undefined }): Promise<InterfaceInfo> {
  const attached = (await routerAddresses(tx, router.id)).filter((a) => a.portType === ROUTER_INTERFACE);
  let portId: string;
  if (by.portId !== undefined) {
    const on = attached.filter((a) => a.portId === by.portId);
    if (!on.length) throw l3Errors.interfaceNotFound(router.id, by.portId);
    if (by.subnetId !== undefined && !on.some((a) => a.subnetId === by.subnetId)) throw l3Errors.interfaceNotFoundForSubnet(router.id, by.subnetId);
    portId = by.portId;
  } else {
    const on = attached.find((a) => a.subnetId === by.subnetId);
    if (!on) throw l3Errors.interfaceNotFoundForSubnet(router.id, by.subnetId!);
    portId = on.portId;
  }
  const mine = attached.filter((a) => a.portId === portId);
  const routes = fromDbJson<ExtraRoute[]>(router.routes);
  for (const a of mine) {
    const fip = await tx
      .selectFrom('network_floatingip')
      .innerJoin('network_ip_allocation', (j) =>
        j.onRef('network_ip_allocation.port_id', '=', 'network_floatingip.fixed_port_id').onRef('network_ip_allocation.ip_address', '=', 'network_floatingip.fixed_ip_address'),
      )
      .select('network_floatingip.id')
      .where('network_floatingip.router_id', '=', router.id)
      .where('network_ip_allocation.subnet_id', '=', a.subnetId)
      .limit(1)
      .executeTakeFirst();
    if (fip) throw l3Errors.interfaceInUseByFloatingIp(router.id, a.subnetId);
    if (routesThrough(routes, a.cidr)) throw l3Errors.interfaceInUseByRoute(router.id, a.subnetId);
  }
  await deleteServicePort(tx, portId);
  return { portId, networkId: mine[0]!.networkId, subnetIds: [...new Set(mine.map((a) => a.subnetId))] };
}
