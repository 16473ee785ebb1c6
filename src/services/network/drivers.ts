/**
 * The port the network service programs its data plane through. The OVN driver maps these
 * calls onto Northbound rows (Logical_Switch, Logical_Switch_Port, DHCP_Options,
 * Logical_Router, Logical_Router_Port, NAT); the memory driver keeps them in process for
 * the embedded default and for tests. Both pass the same contract suite
 * (test/network-driver-contract.ts).
 *
 * The service writes its intent to the database first, commits, then calls the driver with
 * the resource's revision_number. Every call is idempotent and carries the revision, which
 * the backend stores with the row (OVN: external_ids `neutron:revision_number`): a call with
 * an older revision than the backend holds changes nothing and reports `stale`, so a slow
 * request never overwrites a newer one, and the reconciler can compare revisions to find
 * drift (missing, stale and extra rows) both ways.
 */

/** What a sync call did. */
export type SyncOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/** A Neutron network as a logical switch. */
export interface LogicalSwitchSpec {
  readonly networkId: string;
  readonly revision: number;
  readonly name: string;
  readonly projectId: string;
  readonly adminStateUp: boolean;
  readonly mtu: number;
  readonly networkType: string;
  /** For flat and VLAN networks: the physnet a localnet port bridges to. */
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
  readonly external: boolean;
  readonly portSecurityEnabled: boolean;
}

/** A Neutron port as a logical switch port. */
export interface LogicalSwitchPortSpec {
  readonly portId: string;
  readonly networkId: string;
  readonly revision: number;
  readonly name: string;
  readonly projectId: string;
  readonly macAddress: string;
  /** The port's fixed IPs, canonical text. */
  readonly ipAddresses: readonly string[];
  readonly adminStateUp: boolean;
  /** MAC + IPs the port may send from (empty when port security is off). */
  readonly portSecurity: readonly string[];
  readonly deviceOwner: string;
  readonly deviceId: string;
  /** binding:host_id; '' while unbound. */
  readonly hostId: string;
  /** Subnets whose DHCP options answer this port (those with enable_dhcp). */
  readonly dhcpSubnetIds: readonly string[];
  /** The port's security groups: it is a member of each one's port group. */
  readonly securityGroupIds: readonly string[];
}

/**
 * One security group rule as an ACL of its group's port group. Neutron's values are passed
 * as they are; the backend writes its own match (OVN: `outport == @pg && ip4 && tcp.dst
 * >= 22 ...`, a remote group as the port group's address set `$pg_<id>_ip4`).
 */
export interface SecurityGroupRuleSpec {
  readonly ruleId: string;
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  /** IP protocol number as text ('6'), or null for any. */
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  /** Normalized CIDR, or null for any address. */
  readonly remoteIpPrefix: string | null;
  /** Traffic from/to the members of this group (its port group), or null. */
  readonly remoteGroupId: string | null;
}

/** A Neutron security group as a port group carrying its rules as ACLs. */
export interface PortGroupSpec {
  readonly securityGroupId: string;
  readonly revision: number;
  readonly name: string;
  readonly projectId: string;
  /** Stateful groups allow related traffic back (OVN allow-related); stateless ones do not (allow-stateless). */
  readonly stateful: boolean;
  readonly rules: readonly SecurityGroupRuleSpec[];
}

/** A Neutron subnet with DHCP enabled, as a DHCP_Options row. */
export interface DhcpOptionsSpec {
  readonly subnetId: string;
  readonly networkId: string;
  readonly revision: number;
  readonly cidr: string;
  readonly ipVersion: 4 | 6;
  /** OVN option names: router, server_id, server_mac, lease_time, dns_server, mtu, classless_static_route ... */
  readonly options: Readonly<Record<string, string>>;
}

/** A Neutron router as a logical router. */
export interface LogicalRouterSpec {
  readonly routerId: string;
  readonly revision: number;
  readonly name: string;
  readonly projectId: string;
  readonly adminStateUp: boolean;
  /** Extra routes: destination CIDR -> next hop. */
  readonly staticRoutes: ReadonlyArray<{ readonly destination: string; readonly nexthop: string }>;
}

/** A router interface or gateway port as a logical router port. */
export interface LogicalRouterPortSpec {
  readonly portId: string;
  readonly routerId: string;
  readonly networkId: string;
  readonly revision: number;
  readonly macAddress: string;
  /** Addresses with prefix length, e.g. 10.0.0.1/24. */
  readonly networks: readonly string[];
  /** The router's gateway port on an external network (SNAT and floating IPs leave through it). */
  readonly gateway: boolean;
  /** Gateway ports are pinned to chassis (highest priority first); empty for interfaces and when the backend chooses. */
  readonly gatewayChassis: readonly string[];
}

/** SNAT for a router gateway, or DNAT+SNAT for a floating IP. */
export interface NatSpec {
  /**
   * The owning Neutron object: for snat the router interface's subnet (one rule per
   * internal subnet, revision of the router), for dnat_and_snat the floating IP.
   */
  readonly id: string;
  readonly routerId: string;
  readonly revision: number;
  readonly type: 'snat' | 'dnat_and_snat';
  readonly externalIp: string;
  /** snat: the internal CIDR; dnat_and_snat: the fixed IP. */
  readonly logicalIp: string;
  /** dnat_and_snat only: the port the fixed IP belongs to. */
  readonly logicalPort?: string | undefined;
}

/** The kinds of backend rows the service keeps in step. */
export type BackendKind = 'logical_switch' | 'logical_switch_port' | 'dhcp_options' | 'port_group' | 'logical_router' | 'logical_router_port' | 'nat';

/** What the backend holds: for each kind, Neutron id -> revision stamped into the row. */
export type BackendRevisions = Readonly<Record<BackendKind, ReadonlyMap<string, number>>>;

/** Port liveness the backend reports (OVN: Logical_Switch_Port.up set by ovn-controller). */
export type PortStatusListener = (portId: string, up: boolean) => void;

export interface NetworkDriver {
  /** Shown in logs and docs: memory, ovn. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;

  syncLogicalSwitch(spec: LogicalSwitchSpec): Promise<SyncOutcome>;
  /** Removes the switch and everything on it; absent is success. */
  deleteLogicalSwitch(networkId: string): Promise<void>;
  /** The port groups of `spec.securityGroupIds` must exist (sync them first). */
  syncLogicalSwitchPort(spec: LogicalSwitchPortSpec): Promise<SyncOutcome>;
  deleteLogicalSwitchPort(networkId: string, portId: string): Promise<void>;
  syncDhcpOptions(spec: DhcpOptionsSpec): Promise<SyncOutcome>;
  deleteDhcpOptions(subnetId: string): Promise<void>;

  /** A security group and its rules (the whole ACL set is replaced). */
  syncPortGroup(spec: PortGroupSpec): Promise<SyncOutcome>;
  /** Removes the port group, its ACLs and its memberships; absent is success. */
  deletePortGroup(securityGroupId: string): Promise<void>;
  /** The switch ports in a port group (sorted), as the backend holds them. */
  portGroupMembers(securityGroupId: string): Promise<readonly string[]>;

  syncLogicalRouter(spec: LogicalRouterSpec): Promise<SyncOutcome>;
  deleteLogicalRouter(routerId: string): Promise<void>;
  syncLogicalRouterPort(spec: LogicalRouterPortSpec): Promise<SyncOutcome>;
  deleteLogicalRouterPort(routerId: string, portId: string): Promise<void>;
  syncNat(spec: NatSpec): Promise<SyncOutcome>;
  deleteNat(routerId: string, id: string): Promise<void>;

  /** Every row the backend holds for Neutron, with its revision, for the reconciler. */
  revisions(): Promise<BackendRevisions>;
  /** Subscribes to port up/down changes; returns the unsubscribe function. */
  onPortStatus(listener: PortStatusListener): () => void;
}
