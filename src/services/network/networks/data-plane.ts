/**
 * After a change commits, the data plane is brought in line with what the database now
 * holds (not with what the request asked for), stamped with the row's revision. A driver
 * failure does not undo the committed intent: it is logged, and the revision left behind
 * tells the reconciler what to re-apply.
 */
import { createHash } from 'node:crypto';
import { fromDbBool, fromDbJson } from '../../../core/db/index.ts';
import type { NetworkEnv } from '../env.ts';
import type { DhcpOptionsSpec, LogicalSwitchPortSpec } from '../drivers.ts';
import { getNetworkRow, getPortRow, getSubnetRow } from '../store/rows.ts';
import type { SubnetTable } from '../store/tables.ts';

export async function guarded(env: NetworkEnv, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    env.logger.warn({ err, what }, 'network: data-plane update failed; the reconciler will retry it');
  }
}

/** A stable MAC for a subnet's DHCP server, derived from its id (OVN needs one per subnet). */
export function dhcpServerMac(subnetId: string): string {
  const h = createHash('sha256').update(subnetId).digest();
  return ['fa', '16', '3e', ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function dhcpOptionsSpec(s: SubnetTable, mtu: number): DhcpOptionsSpec {
  const dns = fromDbJson<string[]>(s.dns_nameservers);
  const routes = fromDbJson<Array<{ destination: string; nexthop: string }>>(s.host_routes);
  const options: Record<string, string> = { server_mac: dhcpServerMac(s.id), lease_time: '43200' };
  if (s.ip_version === 4) {
    options.server_id = s.gateway_ip ?? s.cidr.split('/')[0]!;
    options.mtu = String(mtu);
    if (s.gateway_ip) options.router = s.gateway_ip;
    if (routes.length) {
      options.classless_static_route = `{${routes.map((r) => `${r.destination},${r.nexthop}`).join(', ')}}`;
    }
  } else {
    options.server_id = dhcpServerMac(s.id);
  }
  if (dns.length) options.dns_server = `{${dns.join(', ')}}`;
  return { subnetId: s.id, networkId: s.network_id, revision: s.revision_number, cidr: s.cidr, ipVersion: s.ip_version as 4 | 6, options };
}

export async function pushNetwork(env: NetworkEnv, networkId: string): Promise<void> {
  const n = await getNetworkRow(env.db, networkId);
  if (!n) return;
  const seg = await env.db.selectFrom('network_segment').selectAll().where('network_id', '=', networkId).executeTakeFirst();
  await guarded(env, `logical switch ${networkId}`, () =>
    env.driver.syncLogicalSwitch({
      networkId,
      revision: n.revision_number,
      name: n.name,
      projectId: n.project_id,
      adminStateUp: fromDbBool(n.admin_state_up),
      mtu: n.mtu,
      networkType: seg?.network_type ?? 'local',
      physicalNetwork: seg && seg.physical_network !== '' ? seg.physical_network : null,
      segmentationId: seg && seg.network_type !== 'flat' && seg.network_type !== 'local' ? Number(seg.segmentation_id) : null,
      external: fromDbBool(n.external),
      portSecurityEnabled: fromDbBool(n.port_security_enabled),
    }),
  );
}

export async function pushSubnet(env: NetworkEnv, subnetId: string): Promise<void> {
  const s = await getSubnetRow(env.db, subnetId);
  if (!s) return;
  if (!fromDbBool(s.enable_dhcp)) {
    await guarded(env, `dhcp options ${subnetId}`, () => env.driver.deleteDhcpOptions(subnetId));
    return;
  }
  const n = await getNetworkRow(env.db, s.network_id);
  await guarded(env, `dhcp options ${subnetId}`, () => env.driver.syncDhcpOptions(dhcpOptionsSpec(s, n?.mtu ?? 1500)));
}

export async function pushPort(env: NetworkEnv, portId: string): Promise<void> {
  const p = await getPortRow(env.db, portId);
  if (!p) return;
  const ips = await env.db
    .selectFrom('network_ip_allocation')
    .innerJoin('network_subnet', 'network_subnet.id', 'network_ip_allocation.subnet_id')
    .select(['network_ip_allocation.ip_address', 'network_subnet.id as subnet_id', 'network_subnet.enable_dhcp'])
    .where('network_ip_allocation.port_id', '=', portId)
    .execute();
  const addresses = ips.map((i) => i.ip_address);
  // Ports of the network itself (router, DHCP, floating IP) are not filtered.
  const secured = fromDbBool(p.port_security_enabled) && !p.device_owner.startsWith('network:');
  const pairs = fromDbJson<Array<{ ip_address: string; mac_address: string }>>(p.allowed_address_pairs);
  const portSecurity = secured
    ? [[p.mac_address, ...addresses].join(' '), ...pairs.map((a) => `${a.mac_address} ${a.ip_address}`)]
    : [];
  const spec: LogicalSwitchPortSpec = {
    portId,
    networkId: p.network_id,
    revision: p.revision_number,
    name: p.name,
    projectId: p.project_id,
    macAddress: p.mac_address,
    ipAddresses: addresses,
    adminStateUp: fromDbBool(p.admin_state_up),
    portSecurity,
    deviceOwner: p.device_owner,
    deviceId: p.device_id,
    hostId: p.binding_host_id,
    dhcpSubnetIds: ips.filter((i) => fromDbBool(i.enable_dhcp)).map((i) => i.subnet_id),
    securityGroupIds: (await env.db.selectFrom('network_port_security_group').select('security_group_id').where('port_id', '=', portId).orderBy('security_group_id').execute()).map((r) => r.security_group_id),
  };
  await guarded(env, `logical switch port ${portId}`, () => env.driver.syncLogicalSwitchPort(spec));
}

export async function removeNetwork(env: NetworkEnv, networkId: string, subnetIds: readonly string[]): Promise<void> {
  for (const s of subnetIds) await guarded(env, `dhcp options ${s}`, () => env.driver.deleteDhcpOptions(s));
  await guarded(env, `logical switch ${networkId}`, () => env.driver.deleteLogicalSwitch(networkId));
}

export async function removeSubnet(env: NetworkEnv, subnetId: string): Promise<void> {
  await guarded(env, `dhcp options ${subnetId}`, () => env.driver.deleteDhcpOptions(subnetId));
}

export async function removePort(env: NetworkEnv, networkId: string, portId: string): Promise<void> {
  await guarded(env, `logical switch port ${portId}`, () => env.driver.deleteLogicalSwitchPort(networkId, portId));
}
