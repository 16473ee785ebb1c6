/**
 * A router's external gateway: a port on an external network (project '' as in Neutron,
 * device owner network:router_gateway) whose IPv4 address is the SNAT source of the
 * router's subnets when enable_snat is on. Runs inside the caller's transaction.
 */
import { randomUUID } from 'node:crypto';
import { toDbBool } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import type { FixedIpRequest } from '../ipam/allocator.ts';
import { allocateFixedIps } from '../ipam/allocator.ts';
import type { NetworkTx } from '../store/db.ts';
import { getPortRow, subnetsOfNetwork } from '../store/rows.ts';
import type { RouterTable } from '../store/tables.ts';
import { l3Errors } from './errors.ts';
import { deleteServicePort, insertServicePort, ROUTER_GATEWAY } from './service-ports.ts';

export interface GatewayRequest {
  readonly networkId: string;
  readonly enableSnat: boolean | undefined;
  readonly externalFixedIps: readonly FixedIpRequest[] | undefined;
}

async function refuseIfFloatingIps(tx: NetworkTx, router: RouterTable, networkId: string): Promise<void> {
  const used = await tx.selectFrom('network_floatingip').select('id').where('router_id', '=', router.id).limit(1).executeTakeFirst();
  if (used) throw l3Errors.gatewayInUseByFloatingIp(router.id, networkId);
}

/**
 * Sets (request), keeps or clears (null) the gateway. Returns the ids of gateway ports it
 * removed, for the data plane.
 */
export async function applyGateway(tx: NetworkTx, env: NetworkEnv, router: RouterTable, req: GatewayRequest | null, attempt: number): Promise<string[]> {
  const current = router.gw_port_id ? await getPortRow(tx, router.gw_port_id) : undefined;
  const removed: string[] = [];
  if (current && (req === null || req.networkId !== current.network_id)) {
    await refuseIfFloatingIps(tx, router, current.network_id);
    await tx.updateTable('network_router').set({ gw_port_id: null }).where('id', '=', router.id).execute();
    await deleteServicePort(tx, current.id);
    removed.push(current.id);
  }
  if (req === null) return removed;
  const snat = toDbBool(req.enableSnat ?? (current && req.networkId === current.network_id ? router.enable_snat === 1 : env.settings.enable_snat_by_default));
  if (current && req.networkId === current.network_id) {
    if (req.externalFixedIps !== undefined) {
      await tx.deleteFrom('network_ip_allocation').where('port_id', '=', current.id).execute();
      await allocateFixedIps(
        tx,
        { networkId: current.network_id, portId: current.id, macAddress: current.mac_address, deviceOwner: ROUTER_GATEWAY, attempt, maxFixedIps: env.settings.max_fixed_ips_per_port },
        await subnetsOfNetwork(tx, current.network_id),
        req.externalFixedIps,
      );
      await tx.updateTable('network_port').set((eb) => ({ revision_number: eb('revision_number', '+', 1) })).where('id', '=', current.id).execute();
    }
    await tx.updateTable('network_router').set({ enable_snat: snat }).where('id', '=', router.id).execute();
    return removed;
  }
  const portId = randomUUID();
  await insertServicePort(tx, env, { id: portId, networkId: req.networkId, projectId: '', deviceOwner: ROUTER_GATEWAY, deviceId: router.id, fixedIps: req.externalFixedIps }, attempt);
  await tx.insertInto('network_router_port').values({ port_id: portId, router_id: router.id, port_type: ROUTER_GATEWAY }).execute();
  await tx.updateTable('network_router').set({ gw_port_id: portId, enable_snat: snat }).where('id', '=', router.id).execute();
  return removed;
}
