import { fromDbJson } from '../../../core/db/index.ts';
import type { SubnetTable } from '../store/tables.ts';
import { parseAddress, parseCidr, type Cidr, type IpVersion } from './address.ts';
import type { PoolText, Range } from './pools.ts';

/** A stored subnet as the allocator reads it: numbers instead of text. */
export interface SubnetPlan {
  readonly id: string;
  readonly networkId: string;
  readonly version: IpVersion;
  readonly cidr: Cidr;
  readonly gateway: bigint | undefined;
  readonly pools: readonly Range[];
  readonly ipv6AddressMode: string | null;
}

export function subnetPlan(row: Pick<SubnetTable, 'id' | 'network_id' | 'cidr' | 'gateway_ip' | 'allocation_pools' | 'ipv6_address_mode'>): SubnetPlan {
  const cidr = parseCidr(row.cidr);
  if (!cidr) throw new Error(`subnet ${row.id} has a corrupt cidr ${row.cidr}`);
  const pools = fromDbJson<PoolText[]>(row.allocation_pools).map((p) => ({
    first: parseAddress(p.start)!.value,
    last: parseAddress(p.end)!.value,
  }));
  return {
    id: row.id,
    networkId: row.network_id,
    version: cidr.version,
    cidr,
    gateway: row.gateway_ip === null ? undefined : parseAddress(row.gateway_ip)?.value,
    pools,
    ipv6AddressMode: row.ipv6_address_mode,
  };
}

/** SLAAC and DHCPv6-stateless subnets: addresses come from the MAC (EUI-64), not the pools. */
export function isAutoAddress(plan: SubnetPlan): boolean {
  return plan.version === 6 && (plan.ipv6AddressMode === 'slaac' || plan.ipv6AddressMode === 'dhcpv6-stateless');
}

/** The EUI-64 address of a MAC in a /64 (RFC 4291 appendix A): the U/L bit flipped, ff:fe inserted. */
export function eui64Address(plan: SubnetPlan, mac: string): bigint {
  const octets = mac.split(':').map((h) => parseInt(h, 16));
  octets[0] = octets[0]! ^ 0x02;
  const iid = [...octets.slice(0, 3), 0xff, 0xfe, ...octets.slice(3)];
  let value = 0n;
  for (const o of iid) value = (value << 8n) | BigInt(o);
  return plan.cidr.network | value;
}
