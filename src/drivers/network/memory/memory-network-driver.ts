import type {
  BackendKind,
  BackendRevisions,
  DhcpOptionsSpec,
  LogicalRouterPortSpec,
  LogicalRouterSpec,
  LogicalSwitchPortSpec,
  LogicalSwitchSpec,
  NatSpec,
  NetworkDriver,
  PortGroupSpec,
  PortStatusListener,
  SyncOutcome,
} from '../../../services/network/drivers.ts';

/** A row as the memory backend keeps it: the spec last applied. */
interface Held<T> {
  spec: T;
}

/** Raised for a child whose parent the backend does not hold (OVN would reject the transaction too). */
export class MissingParentError extends Error {
  readonly retryable = true;
  constructor(kind: string, id: string, parentKind: string, parentId: string) {
    super(`${kind} ${id}: ${parentKind} ${parentId} does not exist in the backend`);
    this.name = 'MissingParentError';
  }
}

function sameSpec(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The embedded default data plane: the logical topology the OVN driver would write, kept
 * in maps, with the same revision rules (an older revision never overwrites a newer one)
 * and the same parent rules (a port needs its switch, a router port its router). It
 * forwards no packets; a port counts as up once it is bound to a host and enabled, as
 * ovn-controller would report after plugging it.
 */
export class MemoryNetworkDriver implements NetworkDriver {
  readonly name = 'memory';
  readonly #switches = new Map<string, Held<LogicalSwitchSpec>>();
  readonly #switchPorts = new Map<string, Held<LogicalSwitchPortSpec>>();
  readonly #dhcp = new Map<string, Held<DhcpOptionsSpec>>();
  readonly #portGroups = new Map<string, Held<PortGroupSpec>>();
  /** Port group -> member switch ports (OVN: Port_Group.ports), kept from the ports' specs. */
  readonly #members = new Map<string, Set<string>>();
  readonly #routers = new Map<string, Held<LogicalRouterSpec>>();
  readonly #routerPorts = new Map<string, Held<LogicalRouterPortSpec>>();
  readonly #nat = new Map<string, Held<NatSpec>>();
  readonly #listeners = new Set<PortStatusListener>();
  readonly #up = new Map<string, boolean>();

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  #sync<T extends { revision: number }>(map: Map<string, Held<T>>, id: string, spec: T): SyncOutcome {
    const held = map.get(id);
    if (!held) {
      map.set(id, { spec: structuredClone(spec) });
      return 'created';
    }
    if (spec.revision < held.spec.revision) return 'stale';
    if (sameSpec(held.spec, spec)) return 'unchanged';
    held.spec = structuredClone(spec);
    return 'updated';
  }

  async syncLogicalSwitch(spec: LogicalSwitchSpec): Promise<SyncOutcome> {
    return this.#sync(this.#switches, spec.networkId, spec);
  }

  async deleteLogicalSwitch(networkId: string): Promise<void> {
    this.#switches.delete(networkId);
    for (const [id, p] of this.#switchPorts) {
      if (p.spec.networkId === networkId) {
        this.#switchPorts.delete(id);
        this.#leaveGroups(id);
        this.#setUp(id, false);
      }
    }
    for (const [id, d] of this.#dhcp) if (d.spec.networkId === networkId) this.#dhcp.delete(id);
  }

  async syncLogicalSwitchPort(spec: LogicalSwitchPortSpec): Promise<SyncOutcome> {
    if (!this.#switches.has(spec.networkId)) {
      throw new MissingParentError('logical switch port', spec.portId, 'logical switch', spec.networkId);
    }
    for (const sg of spec.securityGroupIds) {
      if (!this.#portGroups.has(sg)) throw new MissingParentError('logical switch port', spec.portId, 'port group', sg);
    }
    const outcome = this.#sync(this.#switchPorts, spec.portId, spec);
    if (outcome !== 'stale') {
      this.#leaveGroups(spec.portId);
      for (const sg of spec.securityGroupIds) this.#members.get(sg)!.add(spec.portId);
      this.#setUp(spec.portId, spec.hostId !== '' && spec.adminStateUp);
    }
    return outcome;
  }

  async deleteLogicalSwitchPort(_networkId: string, portId: string): Promise<void> {
    this.#switchPorts.delete(portId);
    this.#leaveGroups(portId);
    this.#setUp(portId, false);
  }

  async syncPortGroup(spec: PortGroupSpec): Promise<SyncOutcome> {
    const outcome = this.#sync(this.#portGroups, spec.securityGroupId, spec);
    if (!this.#members.has(spec.securityGroupId)) this.#members.set(spec.securityGroupId, new Set());
    return outcome;
  }

  async deletePortGroup(securityGroupId: string): Promise<void> {
    this.#portGroups.delete(securityGroupId);
    this.#members.delete(securityGroupId);
  }

  async portGroupMembers(securityGroupId: string): Promise<readonly string[]> {
    return [...(this.#members.get(securityGroupId) ?? [])].sort();
  }

  #leaveGroups(portId: string): void {
    for (const members of this.#members.values()) members.delete(portId);
  }

  async syncDhcpOptions(spec: DhcpOptionsSpec): Promise<SyncOutcome> {
    return this.#sync(this.#dhcp, spec.subnetId, spec);
  }

  async deleteDhcpOptions(subnetId: string): Promise<void> {
    this.#dhcp.delete(subnetId);
  }

  async syncLogicalRouter(spec: LogicalRouterSpec): Promise<SyncOutcome> {
    return this.#sync(this.#routers, spec.routerId, spec);
  }

  async deleteLogicalRouter(routerId: string): Promise<void> {
    this.#routers.delete(routerId);
    for (const [id, p] of this.#routerPorts) if (p.spec.routerId === routerId) this.#routerPorts.delete(id);
    for (const [id, n] of this.#nat) if (n.spec.routerId === routerId) this.#nat.delete(id);
  }

  async syncLogicalRouterPort(spec: LogicalRouterPortSpec): Promise<SyncOutcome> {
    if (!this.#routers.has(spec.routerId)) {
      throw new MissingParentError('logical router port', spec.portId, 'logical router', spec.routerId);
    }
    return this.#sync(this.#routerPorts, spec.portId, spec);
  }

  async deleteLogicalRouterPort(_routerId: string, portId: string): Promise<void> {
    this.#routerPorts.delete(portId);
  }

  async syncNat(spec: NatSpec): Promise<SyncOutcome> {
    if (!this.#routers.has(spec.routerId)) throw new MissingParentError('nat', spec.id, 'logical router', spec.routerId);
    return this.#sync(this.#nat, spec.id, spec);
  }

  async deleteNat(_routerId: string, id: string): Promise<void> {
    this.#nat.delete(id);
  }

  async revisions(): Promise<BackendRevisions> {
    const of = <T extends { revision: number }>(m: Map<string, Held<T>>) =>
      new Map([...m].map(([id, h]) => [id, h.spec.revision] as const));
    const result: Record<BackendKind, ReadonlyMap<string, number>> = {
      logical_switch: of(this.#switches),
      logical_switch_port: of(this.#switchPorts),
      dhcp_options: of(this.#dhcp),
      port_group: of(this.#portGroups),
      logical_router: of(this.#routers),
      logical_router_port: of(this.#routerPorts),
      nat: of(this.#nat),
    };
    return result;
  }

  onPortStatus(listener: PortStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** For tests: the spec the backend holds for a row, or undefined. */
  inspect(kind: BackendKind, id: string): unknown {
    const maps: Record<BackendKind, Map<string, Held<unknown>>> = {
      logical_switch: this.#switches,
      logical_switch_port: this.#switchPorts,
      dhcp_options: this.#dhcp,
      port_group: this.#portGroups,
      logical_router: this.#routers,
      logical_router_port: this.#routerPorts,
      nat: this.#nat,
    };
    const held = maps[kind].get(id);
    return held ? structuredClone(held.spec) : undefined;
  }

  #setUp(portId: string, up: boolean): void {
    if ((this.#up.get(portId) ?? false) === up) return;
    if (up) this.#up.set(portId, true);
    else this.#up.delete(portId);
    for (const l of this.#listeners) l(portId, up);
  }
}
