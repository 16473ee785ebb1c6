/**
 * IP addresses and CIDRs as numbers, for both families. Addresses are compared, stored and
 * made unique in canonical text (dotted quad; RFC 5952 for IPv6: lower case, zeros
 * compressed), so `2001:DB8::0:1` and `2001:db8::1` are the same row.
 */

export type IpVersion = 4 | 6;

export interface Address {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  /** Network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

export const bitsOf = (v: IpVersion): number => (v === 4 ? 32 : 128);

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    // Leading zeros are ambiguous (octal in some parsers); Neutron's netaddr rejects them too.
    if (p.length > 1 && p.startsWith('0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const left = group(halves[0]!);
  const right = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses an address of either family, or undefined when it is not one. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.includes(':')) {
    const v = parseV6(text);
    return v === undefined ? undefined : { version: 6, value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { version: 4, value: v };
}

export function formatAddress(a: Address): string {
  if (a.version === 4) {
    const v = a.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first if tied.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical text of an address, or undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const a = parseAddress(text);
  return a ? formatAddress(a) : undefined;
}

/**
 * Parses `addr/prefix`. `strict` demands the host bits be zero (Neutron rejects
 * 10.0.0.1/24 as a subnet CIDR); otherwise they are cleared.
 */
export function parseCidr(text: string, opts: { strict?: boolean } = {}): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const bits = bitsOf(addr.version);
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > bits) return undefined;
  }
  const mask = prefixMask(addr.version, prefix);
  const network = addr.value & mask;
  if (opts.strict && network !== addr.value) return undefined;
  return { version: addr.version, network, prefix };
}

export function prefixMask(version: IpVersion, prefix: number): bigint {
  const bits = bitsOf(version);
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress({ version: c.version, value: c.network })}/${c.prefix}`;
}

/** First and last address of the block (network and broadcast for IPv4). */
export function cidrBounds(c: Cidr): { first: bigint; last: bigint } {
  const size = 1n << BigInt(bitsOf(c.version) - c.prefix);
  return { first: c.network, last: c.network + size - 1n };
}

export function cidrContains(c: Cidr, a: Address): boolean {
  if (a.version !== c.version) return false;
  const { first, last } = cidrBounds(c);
  return a.value >= first && a.value <= last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  const x = cidrBounds(a);
  const y = cidrBounds(b);
  return x.first <= y.last && y.first <= x.last;
}

/** A MAC address in Neutron's canonical form (lower case, colon separated), or undefined. */
export function canonicalMac(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  const mac = m.slice(1).join(':').toLowerCase();
  // Multicast (low bit of the first octet) and the all-zero address are not valid port MACs.
  if ((parseInt(m[1]!, 16) & 1) === 1 || mac === '00:00:00:00:00:00') return undefined;
  return mac;
}
