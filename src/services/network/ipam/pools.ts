/**
 * A subnet's address plan: its gateway and allocation pools, checked the way Neutron checks
 * them, and the ranges the allocator hands addresses out of.
 */
import { networkErrors } from '../errors.ts';
import {
  bitsOf,
  cidrBounds,
  cidrContains,
  formatAddress,
  formatCidr,
  parseAddress,
  type Cidr,
  type IpVersion,
} from './address.ts';

export interface PoolText {
  readonly start: string;
  readonly end: string;
}

export interface Range {
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * Usable host addresses of a CIDR: IPv4 loses its network and broadcast address (except
 * /31 and /32), IPv6 its subnet-router anycast address (the first), as Neutron's
 * ipam utils generate pools. Undefined when nothing is usable.
 */
export function usableRange(c: Cidr): Range | undefined {
  const { first, last } = cidrBounds(c);
  const hostBits = bitsOf(c.version) - c.prefix;
  if (c.version === 4) {
    if (hostBits <= 1) return { first, last };
    return { first: first + 1n, last: last - 1n };
  }
  if (hostBits === 0) return { first, last };
  return first + 1n <= last ? { first: first + 1n, last } : undefined;
}

/** The default gateway: the first usable address. */
export function defaultGateway(c: Cidr): bigint | undefined {
  return usableRange(c)?.first;
}

/** Pools covering the usable range minus the gateway, as Neutron builds them by default. */
export function defaultPools(c: Cidr, gateway: bigint | undefined): Range[] {
  const usable = usableRange(c);
  if (!usable) return [];
  if (gateway === undefined || gateway < usable.first || gateway > usable.last) return [usable];
  const out: Range[] = [];
  if (gateway > usable.first) out.push({ first: usable.first, last: gateway - 1n });
  if (gateway < usable.last) out.push({ first: gateway + 1n, last: usable.last });
  return out;
}

export function poolText(version: IpVersion, r: Range): PoolText {
  return { start: formatAddress({ version, value: r.first }), end: formatAddress({ version, value: r.last }) };
}

/** Parses and checks requested pools against the subnet: inside it, ordered, disjoint, clear of the gateway. */
export function validatePools(c: Cidr, pools: readonly PoolText[], gateway: bigint | undefined): Range[] {
  const cidrText = formatCidr(c);
  const ranges: Array<Range & { text: string }> = [];
  for (const p of pools) {
    const text = `${p.start}-${p.end}`;
    const start = parseAddress(p.start);
    const end = parseAddress(p.end);
    if (!start || !end || start.version !== c.version || end.version !== c.version || start.value > end.value) {
      throw networkErrors.invalidAllocationPool(text);
    }
    if (!cidrContains(c, start) || !cidrContains(c, end)) throw networkErrors.outOfBoundsAllocationPool(text, cidrText);
    ranges.push({ first: start.value, last: end.value, text });
  }
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.first <= sorted[i - 1]!.last) {
      throw networkErrors.overlappingAllocationPools(sorted[i - 1]!.text, sorted[i]!.text, cidrText);
    }
  }
  if (gateway !== undefined) {
    const hit = ranges.find((r) => gateway >= r.first && gateway <= r.last);
    if (hit) throw networkErrors.gatewayConflictWithAllocationPools(formatAddress({ version: c.version, value: gateway }), hit.text);
  }
  return ranges.map(({ first, last }) => ({ first, last }));
}

export function inRanges(ranges: readonly Range[], v: bigint): boolean {
  return ranges.some((r) => v >= r.first && v <= r.last);
}
