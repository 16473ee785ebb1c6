import { fromDbBool, fromDbJson, fromDbTime } from '../../../core/db/index.ts';
import type { NetworkTable, PortTable, SegmentTable, SubnetTable } from '../store/tables.ts';

/** Neutron prints times without fractions: 2024-05-01T10:00:00Z. */
export const neutronTime = (t: string) => `${fromDbTime(t).toISOString().slice(0, 19)}Z`;

/** description, tags (for taggable resources: pass undefined for the others), timestamps and revision. */
export const standardAttributes = (r: { description: string; revision_number: number; created_at: string; updated_at: string }, tags: readonly string[] | undefined) => ({
  description: r.description,
  ...(tags === undefined ? {} : { tags: [...tags] }),
  created_at: neutronTime(r.created_at),
  updated_at: neutronTime(r.updated_at),
  revision_number: r.revision_number,
});

export function networkView(n: NetworkTable, segment: SegmentTable | undefined, subnetIds: readonly string[], tags: readonly string[]): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.project_id,
    project_id: n.project_id,
    admin_state_up: fromDbBool(n.admin_state_up),
    status: n.status,
    subnets: [...subnetIds],
    shared: fromDbBool(n.shared),
    'router:external': fromDbBool(n.external),
    mtu: n.mtu,
    port_security_enabled: fromDbBool(n.port_security_enabled),
    l2_adjacency: true,
    'provider:network_type': segment?.network_type ?? null,
    'provider:physical_network': segment && segment.physical_network !== '' ? segment.physical_network : null,
    'provider:segmentation_id': segment && (segment.network_type === 'vlan' || segment.network_type === 'vxlan' || segment.network_type === 'geneve') ? segment.segmentation_id : null,
    ...standardAttributes(n, tags),
  };
}

export function subnetView(s: SubnetTable, tags: readonly string[]): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.project_id,
    project_id: s.project_id,
    network_id: s.network_id,
    ip_version: s.ip_version,
    cidr: s.cidr,
    gateway_ip: s.gateway_ip,
    allocation_pools: fromDbJson(s.allocation_pools),
    dns_nameservers: fromDbJson(s.dns_nameservers),
    host_routes: fromDbJson(s.host_routes),
    enable_dhcp: fromDbBool(s.enable_dhcp),
    ipv6_ra_mode: s.ipv6_ra_mode,
    ipv6_address_mode: s.ipv6_address_mode,
    subnetpool_id: s.subnetpool_id,
    ...standardAttributes(s, tags),
  };
}

export function portView(
  p: PortTable,
  fixedIps: ReadonlyArray<{ subnet_id: string; ip_address: string }>,
  securityGroups: readonly string[],
  tags: readonly string[],
): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    network_id: p.network_id,
    tenant_id: p.project_id,
    project_id: p.project_id,
    mac_address: p.mac_address,
    admin_state_up: fromDbBool(p.admin_state_up),
    status: p.status,
    device_id: p.device_id,
    device_owner: p.device_owner,
    // Stored rows have no order of their own: IPv4 first, then by address, so views are stable.
    fixed_ips: [...fixedIps]
      .sort((a, b) => Number(a.ip_address.includes(':')) - Number(b.ip_address.includes(':')) || a.ip_address.localeCompare(b.ip_address))
      .map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
    allowed_address_pairs: fromDbJson(p.allowed_address_pairs),
    extra_dhcp_opts: fromDbJson(p.extra_dhcp_opts),
    port_security_enabled: fromDbBool(p.port_security_enabled),
    security_groups: [...securityGroups],
    'binding:host_id': p.binding_host_id,
    'binding:vnic_type': p.binding_vnic_type,
    'binding:profile': fromDbJson(p.binding_profile),
    'binding:vif_type': p.binding_vif_type,
    'binding:vif_details': fromDbJson(p.binding_vif_details),
    ...standardAttributes(p, tags),
  };
}
