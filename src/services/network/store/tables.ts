/**
 * Network service tables (core/db conventions: fixed-width ISO text times, 0/1 booleans,
 * JSON text; every table prefixed `network_`). Every top-level resource carries Neutron's
 * standard attributes in its own row: description, revision_number (bumped on every
 * change, and stamped into the data plane so drift shows), created_at and updated_at.
 * Tags live in one table for all resource kinds.
 */

/** The standard attributes every Neutron resource has. */
export interface StandardAttributes {
  description: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface NetworkTable extends StandardAttributes {
  id: string;
  project_id: string;
  name: string;
  admin_state_up: number;
  /** ACTIVE | DOWN | BUILD | ERROR */
  status: string;
  shared: number;
  /** router:external */
  external: number;
  mtu: number;
  port_security_enabled: number;
  /** JSON list of availability zone names asked for at creation. */
  availability_zone_hints: string;
}

/**
 * A network's segments (provider attributes). `physical_network` is '' for tunnel types so
 * the unique key (network_type, physical_network, segmentation_id) holds on every dialect
 * (NULLs are never equal in a unique index); flat segments use segmentation_id 0, so one
 * physical network carries one flat network, as ML2 allows.
 */
export interface SegmentTable {
  id: string;
  network_id: string;
  /** flat | vlan | vxlan | geneve | local */
  network_type: string;
  physical_network: string;
  segmentation_id: number;
  segment_index: number;
  created_at: string;
}

export interface SubnetTable extends StandardAttributes {
  id: string;
  project_id: string;
  network_id: string;
  name: string;
  ip_version: number;
  /** Canonical CIDR (network address, shortest IPv6 text). */
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  /** JSON [{start, end}] in canonical text. */
  allocation_pools: string;
  /** JSON list of addresses, in order. */
  dns_nameservers: string;
  /** JSON [{destination, nexthop}]. */
  host_routes: string;
  subnetpool_id: string | null;
  segment_id: string | null;
}

export interface PortTable extends StandardAttributes {
  id: string;
  project_id: string;
  network_id: string;
  name: string;
  mac_address: string;
  admin_state_up: number;
  /** ACTIVE | DOWN | BUILD | ERROR */
  status: string;
  device_id: string;
  device_owner: string;
  port_security_enabled: number;
  binding_host_id: string;
  binding_vnic_type: string;
  /** JSON object. */
  binding_profile: string;
  binding_vif_type: string;
  /** JSON object. */
  binding_vif_details: string;
  /** JSON [{ip_address, mac_address}]. */
  allowed_address_pairs: string;
  /** JSON [{opt_name, opt_value, ip_version}]. */
  extra_dhcp_opts: string;
}

/**
 * One address handed out on a subnet. The primary key (subnet_id, ip_address) is what
 * guarantees an address is never given twice, also between API processes: the loser of a
 * race gets a unique violation and allocates again.
 */
export interface IpAllocationTable {
  subnet_id: string;
  /** Canonical text (dotted quad; RFC 5952 IPv6). */
  ip_address: string;
  network_id: string;
  port_id: string;
}

export interface TagTable {
  /** networks | subnets | ports ... (the collection name). */
  resource_type: string;
  resource_id: string;
  tag: string;
}

export interface SecurityGroupTable extends StandardAttributes {
  id: string;
  project_id: string;
  name: string;
  stateful: number;
}

/** The project's default group (one row per project). */
export interface DefaultSecurityGroupTable {
  project_id: string;
  security_group_id: string;
}

export interface SecurityGroupRuleTable extends StandardAttributes {
  id: string;
  project_id: string;
  security_group_id: string;
  /** ingress | egress */
  direction: string;
  /** IPv4 | IPv6 */
  ethertype: string;
  /** As given (name or number text), canonical for IPv6 ICMP; null for any. */
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  /** With its prefix length, as given (host bits kept, as Neutron shows it). */
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  /** Normalized meaning of the rule (see security-groups/rules.ts); unique per group. */
  fingerprint: string;
}

export interface PortSecurityGroupTable {
  port_id: string;
  security_group_id: string;
}

export interface RouterTable extends StandardAttributes {
  id: string;
  project_id: string;
  name: string;
  admin_state_up: number;
  status: string;
  /** The gateway port on the external network, or null without a gateway. */
  gw_port_id: string | null;
  enable_snat: number;
  /** JSON [{destination, nexthop}] (extra routes). */
  routes: string;
}

export interface RouterPortTable {
  port_id: string;
  router_id: string;
  /** network:router_interface | network:router_gateway */
  port_type: string;
}

export interface FloatingIpTable extends StandardAttributes {
  id: string;
  project_id: string;
  floating_network_id: string;
  floating_ip_address: string;
  /** The port on the external network that holds the address. */
  floating_port_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  /** ACTIVE when associated, DOWN otherwise. */
  status: string;
}

/** A limit set for one project and resource (absent: the configured default). */
export interface QuotaTable {
  project_id: string;
  resource: string;
  /** -1: unlimited. */
  hard_limit: number;
}

export interface NetworkTables {
  network_network: NetworkTable;
  network_segment: SegmentTable;
  network_subnet: SubnetTable;
  network_port: PortTable;
  network_ip_allocation: IpAllocationTable;
  network_tag: TagTable;
  network_security_group: SecurityGroupTable;
  network_default_security_group: DefaultSecurityGroupTable;
  network_security_group_rule: SecurityGroupRuleTable;
  network_port_security_group: PortSecurityGroupTable;
  network_router: RouterTable;
  network_router_port: RouterPortTable;
  network_floatingip: FloatingIpTable;
  network_quota: QuotaTable;
}
