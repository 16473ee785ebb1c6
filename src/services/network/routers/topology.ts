/** What a router is attached to, read from its ports and their addresses. */
import type { NetworkTx } from '../store/db.ts';
import { ROUTER_GATEWAY, ROUTER_INTERFACE } from './service-ports.ts';

export interface RouterAddress {
  readonly portId: string;
  readonly portType: string;
  readonly networkId: string;
  readonly subnetId: string;
  readonly cidr: string;
  readonly ipVersion: number;
  readonly ipAddress: string;
}

/** Every address on the router's ports (interfaces and gateway), subnet by subnet. */
export async function routerAddresses(db: NetworkTx, routerId: string): Promise<RouterAddress[]> {
  const rows = await db
    .selectFrom('network_router_port')
    .innerJoin('network_port', 'network_port.id', 'network_router_port.port_id')
    .innerJoin('network_ip_allocation', 'network_ip_allocation.port_id', 'network_port.id')
    .innerJoin('network_subnet', 'network_subnet.id', 'network_ip_allocation.subnet_id')
    .select([
      'network_router_port.port_id as portId',
      'network_router_port.port_type as portType',
      'network_port.network_id as networkId',
      'network_subnet.id as subnetId',
      'network_subnet.cidr as cidr',
      'network_subnet.ip_version as ipVersion',
      'network_ip_allocation.ip_address as ipAddress',
    ])
    .where('network_router_port.router_id', '=', routerId)
    .orderBy('network_router_port.port_id')
    .orderBy('network_ip_allocation.ip_address')
    .execute();
  return rows;
}

export const interfacesOf = (all: readonly RouterAddress[]) => all.filter((a) => a.portType === ROUTER_INTERFACE);
export const gatewayOf = (all: readonly RouterAddress[]) => all.filter((a) => a.portType === ROUTER_GATEWAY);

/** The ids of the router's interface ports. */
export async function interfacePortIds(db: NetworkTx, routerId: string): Promise<string[]> {
  const rows = await db.selectFrom('network_router_port').select('port_id').where('router_id', '=', routerId).where('port_type', '=', ROUTER_INTERFACE).execute();
  return rows.map((r) => r.port_id);
}
