/**
 * Where a floating IP goes when it is associated with a port: one of the port's IPv4
 * addresses (the one named, or its only one), reached through a router that has an
 * interface on that address's subnet and its gateway on the floating IP's network.
 */
import { networkErrors } from '../errors.ts';
import type { NetworkTx } from '../store/db.ts';
import { getPortRow } from '../store/rows.ts';
import type { FloatingIpTable } from '../store/tables.ts';
import { l3Errors } from './errors.ts';
import { ROUTER_INTERFACE } from './service-ports.ts';

export interface Association {
  readonly portId: string;
  readonly fixedIp: string;
  readonly routerId: string;
}

export async function resolveAssociation(
  tx: NetworkTx,
  fip: Pick<FloatingIpTable, 'id' | 'project_id' | 'floating_network_id' | 'floating_ip_address'>,
  req: { portId: string; fixedIp: string | undefined },
  callerIsAdmin: boolean,
): Promise<Association> {
  const port = await getPortRow(tx, req.portId);
  if (!port) throw networkErrors.portNotFound(req.portId);
  if (port.project_id !== fip.project_id && !callerIsAdmin) {
    throw l3Errors.badFloatingIp(`Cannot create floating IP and bind it to Port ${port.id}, since that port is owned by a different tenant`);
  }
  if (port.device_owner.startsWith('network:')) {
    throw l3Errors.badFloatingIp(`Port ${port.id} has owner ${port.device_owner} and cannot be associated with a floating IP`);
  }
  const ips = await tx.selectFrom('network_ip_allocation').select(['ip_address', 'subnet_id']).where('port_id', '=', port.id).execute();
  const v4 = ips.filter((i) => !i.ip_address.includes(':'));
  let chosen: { ip_address: string; subnet_id: string };
  if (req.fixedIp !== undefined) {
    const hit = ips.find((i) => i.ip_address === req.fixedIp);
    if (!hit) throw l3Errors.badFloatingIp(`Port ${port.id} does not have fixed ip ${req.fixedIp}`);
    if (hit.ip_address.includes(':')) throw l3Errors.badFloatingIp(`Cannot add floating IP to port ${port.id} on IPv6 address ${req.fixedIp}`);
    chosen = hit;
  } else {
    if (!v4.length) throw l3Errors.badFloatingIp(`Port ${port.id} does not have any IPv4 address`);
    if (v4.length > 1) {
      throw l3Errors.badFloatingIp(`Port ${port.id} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP`);
    }
    chosen = v4[0]!;
  }
  const router = await tx
    .selectFrom('network_router_port')
    .innerJoin('network_ip_allocation', 'network_ip_allocation.port_id', 'network_router_port.port_id')
    .innerJoin('network_router', 'network_router.id', 'network_router_port.router_id')
    .innerJoin('network_port as gw', 'gw.id', 'network_router.gw_port_id')
    .select('network_router.id')
    .where('network_router_port.port_type', '=', ROUTER_INTERFACE)
    .where('network_ip_allocation.subnet_id', '=', chosen.subnet_id)
    .where('gw.network_id', '=', fip.floating_network_id)
    .orderBy('network_router.id')
    .executeTakeFirst();
  if (!router) throw l3Errors.externalGatewayForFloatingIpNotFound(fip.floating_network_id, chosen.subnet_id, port.id);
  const other = await tx
    .selectFrom('network_floatingip')
    .select('id')
    .where('fixed_port_id', '=', port.id)
    .where('fixed_ip_address', '=', chosen.ip_address)
    .where('id', '!=', fip.id)
    .executeTakeFirst();
  if (other) throw alreadyAssociated(fip, port.id, chosen.ip_address);
  return { portId: port.id, fixedIp: chosen.ip_address, routerId: router.id };
}

export const alreadyAssociated = (fip: Pick<FloatingIpTable, 'id' | 'floating_ip_address' | 'floating_network_id'>, portId: string, fixedIp: string) =>
  l3Errors.floatingIpPortAlreadyAssociated(fip.floating_ip_address, fip.id, portId, fixedIp, fip.floating_network_id);
