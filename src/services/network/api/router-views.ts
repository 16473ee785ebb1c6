import { fromDbBool, fromDbJson } from '../../../core/db/index.ts';
import type { NetworkTx } from '../store/db.ts';
import type { FloatingIpTable, PortTable, RouterTable } from '../store/tables.ts';
import { standardAttributes } from './views.ts';

export interface GatewayView {
  readonly networkId: string;
  readonly fixedIps: ReadonlyArray<{ subnet_id: string; ip_address: string }>;
}

/** Gateway network and addresses of each router that has one. */
export async function gatewaysOf(db: NetworkTx, routers: readonly RouterTable[]): Promise<Map<string, GatewayView>> {
  const ports = routers.map((r) => r.gw_port_id).filter((p): p is string => p !== null);
  const out = new Map<string, GatewayView>();
  if (!ports.length) return out;
  const [rows, ips] = await Promise.all([
    db.selectFrom('network_port').select(['id', 'network_id']).where('id', 'in', ports).execute(),
    db.selectFrom('network_ip_allocation').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', ports).orderBy('ip_address').execute(),
  ]);
  for (const r of routers) {
    const port = rows.find((p) => p.id === r.gw_port_id);
    if (!port) continue;
    out.set(r.id, { networkId: port.network_id, fixedIps: ips.filter((i) => i.port_id === port.id).map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip_address })) });
  }
  return out;
}

export function routerView(r: RouterTable, gateway: GatewayView | undefined, tags: readonly string[]): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    project_id: r.project_id,
    tenant_id: r.project_id,
    admin_state_up: fromDbBool(r.admin_state_up),
    status: r.status,
    external_gateway_info: gateway
      ? { network_id: gateway.networkId, enable_snat: fromDbBool(r.enable_snat), external_fixed_ips: [...gateway.fixedIps] }
      : null,
    routes: fromDbJson(r.routes),
    ...standardAttributes(r, tags),
  };
}

export function floatingIpView(f: FloatingIpTable, port: PortTable | undefined, tags: readonly string[]): Record<string, unknown> {
  return {
    id: f.id,
    project_id: f.project_id,
    tenant_id: f.project_id,
    floating_network_id: f.floating_network_id,
    floating_ip_address: f.floating_ip_address,
    router_id: f.router_id,
    port_id: f.fixed_port_id,
    fixed_ip_address: f.fixed_ip_address,
    status: f.status,
    // fip-port-details
    port_details: port
      ? {
          name: port.name,
          network_id: port.network_id,
          mac_address: port.mac_address,
          admin_state_up: fromDbBool(port.admin_state_up),
          status: port.status,
          device_id: port.device_id,
          device_owner: port.device_owner,
        }
      : null,
    ...standardAttributes(f, tags),
  };
}
