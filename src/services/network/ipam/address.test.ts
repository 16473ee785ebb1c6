import { describe, expect, it } from 'vitest';
import { canonicalAddress, canonicalMac, cidrsOverlap, formatCidr, parseCidr } from './address.ts';
import { defaultGateway, defaultPools, poolText, validatePools } from './pools.ts';
import { eui64Address, subnetPlan } from './subnet-plan.ts';

describe('addresses', () => {
  it('canonicalises IPv4 and IPv6 text and rejects what is not an address', () => {
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:db8::0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalAddress('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalAddress('::')).toBe('::');
    for (const bad of ['10.0.0.256', '10.0.0', '010.0.0.1', '1::2::3', 'fe80::g', '', 'abc']) expect(canonicalAddress(bad)).toBeUndefined();
  });

  it('parses CIDRs, strictly when asked, and tells overlap', () => {
    expect(formatCidr(parseCidr('10.0.0.0/24', { strict: true })!)).toBe('10.0.0.0/24');
    expect(parseCidr('10.0.0.1/24', { strict: true })).toBeUndefined();
    expect(formatCidr(parseCidr('2001:DB8::/64')!)).toBe('2001:db8::/64');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(cidrsOverlap(parseCidr('10.0.0.0/16')!, parseCidr('10.0.5.0/24')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!)).toBe(false);
  });

  it('canonicalises MACs and refuses multicast ones', () => {
    expect(canonicalMac('FA-16-3E-00-00-0A')).toBe('fa:16:3e:00:00:0a');
    expect(canonicalMac('01:00:5e:00:00:01')).toBeUndefined();
    expect(canonicalMac('fa:16:3e:00:00')).toBeUndefined();
  });
});

describe('pools', () => {
  it('builds Neutron default gateway and pools for IPv4 and IPv6', () => {
    const v4 = parseCidr('10.0.0.0/24')!;
    const gw = defaultGateway(v4)!;
    expect(defaultPools(v4, gw).map((r) => poolText(4, r))).toEqual([{ start: '10.0.0.2', end: '10.0.0.254' }]);
    const v6 = parseCidr('2001:db8::/64')!;
    expect(defaultPools(v6, defaultGateway(v6)).map((r) => poolText(6, r))).toEqual([
      { start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' },
    ]);
    // A gateway in the middle splits the pool.
    const mid = parseCidr('10.0.0.0/29')!;
    expect(defaultPools(mid, 3n + mid.network).map((r) => poolText(4, r))).toEqual([
      { start: '10.0.0.1', end: '10.0.0.2' },
      { start: '10.0.0.4', end: '10.0.0.6' },
    ]);
  });

  it('rejects pools outside the subnet, overlapping, reversed, or holding the gateway', () => {
    const c = parseCidr('10.0.0.0/24')!;
    const gw = defaultGateway(c);
    const code = (pools: Array<{ start: string; end: string }>) => {
      try {
        validatePools(c, pools, gw);
        return 'ok';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(code([{ start: '10.0.0.10', end: '10.0.0.20' }])).toBe('ok');
    expect(code([{ start: '10.0.0.10', end: '10.0.1.20' }])).toBe('network.OutOfBoundsAllocationPool');
    expect(code([{ start: '10.0.0.20', end: '10.0.0.10' }])).toBe('network.InvalidAllocationPool');
    expect(code([{ start: '10.0.0.10', end: '10.0.0.20' }, { start: '10.0.0.15', end: '10.0.0.30' }])).toBe('network.OverlappingAllocationPools');
    expect(code([{ start: '10.0.0.1', end: '10.0.0.5' }])).toBe('network.GatewayConflictWithAllocationPools');
    expect(code([{ start: 'fe80::1', end: 'fe80::2' }])).toBe('network.InvalidAllocationPool');
  });

  it('derives the EUI-64 address from a MAC', () => {
    const plan = subnetPlan({ id: 's', network_id: 'n', cidr: '2001:db8::/64', gateway_ip: null, allocation_pools: '[]', ipv6_address_mode: 'slaac' });
    const v = eui64Address(plan, 'fa:16:3e:12:34:56');
    expect(canonicalAddress(`${formatCidr({ version: 6, network: v, prefix: 128 }).split('/')[0]}`)).toBe('2001:db8::f816:3eff:fe12:3456');
  });
});
