/**
 * Ports the network service makes for itself: router interfaces and gateways, and the
 * ports holding floating IP addresses on external networks. They are ordinary port rows
 * (so IPAM, MAC uniqueness and the data plane treat them like any other), owned by a
 * `network:*` device owner that users cannot delete through the port API.
 */
import { toDbBool, toDbJson } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import { allocateFixedIps, type FixedIp, type FixedIpRequest } from '../ipam/allocator.ts';
import { generateMac } from '../ipam/mac.ts';
import { enforceQuota } from '../quotas/quotas.ts';
import type { NetworkTx } from '../store/db.ts';
import { getNetworkRow, newStandardAttributes, subnetsOfNetwork } from '../store/rows.ts';

export const ROUTER_INTERFACE = 'network:router_interface';
export const ROUTER_GATEWAY = 'network:router_gateway';
export const FLOATING_IP = 'network:floatingip';

/** Owners whose ports only the L3 API may delete. */
export const L3_OWNERS: ReadonlySet<string> = new Set([ROUTER_INTERFACE, ROUTER_GATEWAY, FLOATING_IP]);

export interface ServicePort {
  readonly id: string;
  readonly networkId: string;
  readonly projectId: string;
  readonly deviceOwner: string;
  readonly deviceId: string;
  /** undefined: the port gets addresses as a new port would. */
  readonly fixedIps: readonly FixedIpRequest[] | undefined;
}

/** Inserts the port and allocates its addresses in `tx` (run it under withAllocationRetry). */
export async function insertServicePort(tx: NetworkTx, env: NetworkEnv, p: ServicePort, attempt: number): Promise<FixedIp[]> {
  await enforceQuota(tx, env.settings, p.projectId, 'port');
  const network = await getNetworkRow(tx, p.networkId);
  const mac = generateMac(env.settings.base_mac);
  await tx
    .insertInto('network_port')
    .values({
      id: p.id,
      project_id: p.projectId,
      network_id: p.networkId,
      name: '',
      mac_address: mac,
      admin_state_up: 1,
      status: 'DOWN',
      device_id: p.deviceId,
      device_owner: p.deviceOwner,
      port_security_enabled: toDbBool(network ? network.port_security_enabled === 1 : true),
      binding_host_id: '',
      binding_vnic_type: 'normal',
      binding_profile: toDbJson({}),
      binding_vif_type: 'unbound',
      binding_vif_details: toDbJson({}),
      allowed_address_pairs: toDbJson([]),
      extra_dhcp_opts: toDbJson([]),
      ...newStandardAttributes(env.now()),
    })
    .execute();
  return allocateFixedIps(
    tx,
    { networkId: p.networkId, portId: p.id, macAddress: mac, deviceOwner: p.deviceOwner, attempt, maxFixedIps: env.settings.max_fixed_ips_per_port },
    await subnetsOfNetwork(tx, p.networkId),
    p.fixedIps,
  );
}

/** Deletes a service port and everything hanging off it in `tx`. */
export async function deleteServicePort(tx: NetworkTx, portId: string): Promise<void> {
  await tx.deleteFrom('network_router_port').where('port_id', '=', portId).execute();
  await tx.deleteFrom('network_ip_allocation').where('port_id', '=', portId).execute();
  await tx.deleteFrom('network_port_security_group').where('port_id', '=', portId).execute();
  await tx.deleteFrom('network_tag').where('resource_type', '=', 'ports').where('resource_id', '=', portId).execute();
  await tx.deleteFrom('network_port').where('id', '=', portId).execute();
}
