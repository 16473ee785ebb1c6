/**
 * Security group rules checked and normalized the way Neutron does it: protocols by name
 * or number (IPv6 ICMP's legacy spellings made canonical), port ranges only for protocols
 * that have ports (ICMP type/code for ICMP), remote prefix family matching the ethertype,
 * a remote prefix or a remote group but not both, and a fingerprint of what the rule
 * means so that `tcp` and `6`, or `0.0.0.0/0` and no prefix, count as the same rule.
 */
import { formatCidr, parseCidr } from '../ipam/address.ts';
import { securityGroupErrors } from './errors.ts';

/** neutron-lib IP_PROTOCOL_MAP. */
export const IP_PROTOCOLS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Protocols whose rules may carry a port range (neutron SG_PORT_PROTO_NAMES). */
const PORT_PROTOCOLS = new Map([
  [6, 'TCP'],
  [17, 'UDP'],
  [136, 'UDPLITE'],
  [132, 'SCTP'],
  [33, 'DCCP'],
]);

/** Protocols that only exist over IPv6. */
const IPV6_ONLY = new Set([41, 44, 58, 59, 60, 43]);

export interface RuleRequest {
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id: string | null;
}

export interface NormalizedRule extends RuleRequest {
  /** Protocol number as text, or null for any. */
  readonly protocolNumber: string | null;
  /** The prefix with host bits cleared, or null for any address. */
  readonly normalizedCidr: string | null;
  readonly fingerprint: string;
}

/** The protocol as stored: a known name lower-cased, or a number 0-255 as text; 400 otherwise. */
export function parseProtocol(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).toLowerCase();
  if (text === 'any') return null;
  if (Object.hasOwn(IP_PROTOCOLS, text)) return text;
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return String(Number(text));
  throw securityGroupErrors.invalidProtocol(String(value));
}

export function protocolNumber(protocol: string | null): number | null {
  if (protocol === null) return null;
  return Object.hasOwn(IP_PROTOCOLS, protocol) ? IP_PROTOCOLS[protocol]! : Number(protocol);
}

/** Checks a rule and returns it with its stored and compared forms. */
export function normalizeRule(rule: RuleRequest): NormalizedRule {
  let protocol = rule.protocol;
  // Neutron stores IPv6 ICMP under its canonical name/number whatever legacy spelling came in.
  if (rule.ethertype === 'IPv6') {
    if (protocol === 'icmp' || protocol === 'icmpv6') protocol = 'ipv6-icmp';
    else if (protocol === '1') protocol = '58';
  }
  const proto = protocolNumber(protocol);
  const { port_range_min: min, port_range_max: max } = rule;
  if (min !== null || max !== null) {
    if (proto === null) throw securityGroupErrors.protocolRequiredWithPorts();
    if (PORT_PROTOCOLS.has(proto)) {
      if (min === 0 || max === 0) throw securityGroupErrors.invalidPortValue(0);
      if (min === null || max === null || min > max) throw securityGroupErrors.invalidPortRange();
      for (const p of [min, max]) if (p < 1 || p > 65535) throw securityGroupErrors.invalidPortValue(p);
    } else if (proto === 1 || proto === 58) {
      for (const [v, field, attr] of [[min, 'type', 'port_range_min'], [max, 'code', 'port_range_max']] as const) {
        if (v !== null && (v < 0 || v > 255)) throw securityGroupErrors.invalidIcmpValue(field, attr, v);
      }
      if (min === null && max !== null) throw securityGroupErrors.missingIcmpType(max);
    } else {
      throw securityGroupErrors.invalidProtocolForPort(protocol!, [...PORT_PROTOCOLS.values()].join(', '));
    }
  }
  if (proto !== null && IPV6_ONLY.has(proto) && rule.ethertype === 'IPv4') {
    throw securityGroupErrors.ethertypeConflictWithProtocol(rule.ethertype, protocol!);
  }
  let prefix: string | null = null;
  let normalizedCidr: string | null = null;
  if (rule.remote_ip_prefix !== null) {
    const text = rule.remote_ip_prefix.includes('/') ? rule.remote_ip_prefix : `${rule.remote_ip_prefix}/${rule.remote_ip_prefix.includes(':') ? 128 : 32}`;
    const c = parseCidr(text);
    if (!c) throw securityGroupErrors.invalidPrefix(rule.remote_ip_prefix);
    if (`IPv${c.version}` !== rule.ethertype) throw securityGroupErrors.parameterConflict(rule.ethertype, rule.remote_ip_prefix);
    prefix = `${text.split('/')[0]!.toLowerCase()}/${c.prefix}`;
    normalizedCidr = formatCidr(c);
  }
  if (prefix !== null && rule.remote_group_id !== null) throw securityGroupErrors.remoteGroupAndRemoteIpPrefix();
  const protocolText = proto === null ? null : String(proto);
  const anyAddress = normalizedCidr === null || normalizedCidr === '0.0.0.0/0' || normalizedCidr === '::/0';
  const fingerprint = [
    rule.direction,
    rule.ethertype,
    protocolText ?? '+',
    min ?? '+',
    max ?? '+',
    anyAddress ? '+' : normalizedCidr,
    rule.remote_group_id ?? '+',
  ].join('_');
  return { ...rule, protocol, remote_ip_prefix: prefix, protocolNumber: protocolText, normalizedCidr, fingerprint };
}
