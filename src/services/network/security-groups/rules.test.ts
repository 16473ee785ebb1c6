import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/errors/index.ts';
import { normalizeRule, parseProtocol, type RuleRequest } from './rules.ts';

const base: RuleRequest = { direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null };

function fault(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code.replace('network.', '');
    throw err;
  }
  throw new Error('no error');
}

describe('security group rule checks', () => {
  it('accepts protocol names and numbers and refuses others', () => {
    expect(parseProtocol('TCP')).toBe('tcp');
    expect(parseProtocol(17)).toBe('17');
    expect(parseProtocol('006')).toBe('6');
    expect(parseProtocol(null)).toBeNull();
    expect(fault(() => parseProtocol('256'))).toBe('SecurityGroupRuleInvalidProtocol');
    expect(fault(() => parseProtocol('bogus'))).toBe('SecurityGroupRuleInvalidProtocol');
  });

  it('checks port ranges by protocol', () => {
    expect(normalizeRule({ ...base, protocol: 'tcp', port_range_min: 22, port_range_max: 22 }).protocolNumber).toBe('6');
    expect(fault(() => normalizeRule({ ...base, protocol: 'tcp', port_range_min: 90, port_range_max: 80 }))).toBe('SecurityGroupInvalidPortRange');
    expect(fault(() => normalizeRule({ ...base, protocol: 'udp', port_range_min: 0, port_range_max: 10 }))).toBe('SecurityGroupInvalidPortValue');
    expect(fault(() => normalizeRule({ ...base, protocol: 'tcp', port_range_min: 1, port_range_max: 70000 }))).toBe('SecurityGroupInvalidPortValue');
    expect(fault(() => normalizeRule({ ...base, protocol: 'tcp', port_range_min: 5, port_range_max: null }))).toBe('SecurityGroupInvalidPortRange');
    expect(fault(() => normalizeRule({ ...base, port_range_min: 5, port_range_max: 6 }))).toBe('SecurityGroupProtocolRequiredWithPorts');
    expect(fault(() => normalizeRule({ ...base, protocol: 'gre', port_range_min: 5, port_range_max: 6 }))).toBe('SecurityGroupInvalidProtocolForPort');
    expect(normalizeRule({ ...base, protocol: 'icmp', port_range_min: 8, port_range_max: 0 }).port_range_max).toBe(0);
    expect(fault(() => normalizeRule({ ...base, protocol: 'icmp', port_range_min: 300, port_range_max: null }))).toBe('SecurityGroupInvalidIcmpValue');
    expect(fault(() => normalizeRule({ ...base, protocol: 'icmp', port_range_min: null, port_range_max: 3 }))).toBe('SecurityGroupMissingIcmpType');
  });

  it('matches prefixes and protocols to the ethertype and keeps remote group and prefix apart', () => {
    expect(fault(() => normalizeRule({ ...base, remote_ip_prefix: '2001:db8::/64' }))).toBe('SecurityGroupRuleParameterConflict');
    expect(fault(() => normalizeRule({ ...base, protocol: 'ipv6-icmp' }))).toBe('SecurityGroupEthertypeConflictWithProtocol');
    expect(normalizeRule({ ...base, ethertype: 'IPv6', protocol: 'icmp' }).protocol).toBe('ipv6-icmp');
    expect(normalizeRule({ ...base, ethertype: 'IPv6', protocol: '1' }).protocol).toBe('58');
    expect(fault(() => normalizeRule({ ...base, remote_ip_prefix: '10.0.0.0/8', remote_group_id: 'g' }))).toBe('SecurityGroupRemoteGroupAndRemoteIpPrefix');
    const host = normalizeRule({ ...base, remote_ip_prefix: '10.1.2.3' });
    expect([host.remote_ip_prefix, host.normalizedCidr]).toEqual(['10.1.2.3/32', '10.1.2.3/32']);
    const loose = normalizeRule({ ...base, remote_ip_prefix: '10.1.2.3/24' });
    expect([loose.remote_ip_prefix, loose.normalizedCidr]).toEqual(['10.1.2.3/24', '10.1.2.0/24']);
  });

  it('gives rules with the same meaning the same fingerprint', () => {
    const fp = (r: Partial<RuleRequest>) => normalizeRule({ ...base, ...r }).fingerprint;
    expect(fp({ protocol: 'tcp', port_range_min: 80, port_range_max: 80 })).toBe(fp({ protocol: '6', port_range_min: 80, port_range_max: 80 }));
    expect(fp({ remote_ip_prefix: '0.0.0.0/0' })).toBe(fp({}));
    expect(fp({ remote_ip_prefix: '10.0.0.9/24' })).toBe(fp({ remote_ip_prefix: '10.0.0.0/24' }));
    expect(fp({ direction: 'egress' })).not.toBe(fp({}));
    expect(fp({ protocol: 'udp' })).not.toBe(fp({ protocol: 'tcp' }));
  });
});
