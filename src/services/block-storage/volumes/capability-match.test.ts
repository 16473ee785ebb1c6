import { describe, expect, it } from 'vitest';
import { capabilityMatches, satisfiesExtraSpecs } from './capability-match.ts';

describe('capabilityMatches (Cinder extra-spec operators)', () => {
  it('compares plain specs as strings, booleans as Python prints them', () => {
    expect(capabilityMatches('iSCSI', 'iSCSI')).toBe(true);
    expect(capabilityMatches('iSCSI', 'FC')).toBe(false);
    expect(capabilityMatches(true, 'True')).toBe(true);
    expect(capabilityMatches(true, 'true')).toBe(false);
    expect(capabilityMatches(undefined, 'x')).toBe(false);
  });

  it('knows <is>, <in>, <or> and the numeric and string comparisons', () => {
    expect(capabilityMatches(true, '<is> True')).toBe(true);
    expect(capabilityMatches('false', '<is> True')).toBe(false);
    expect(capabilityMatches('abcdef', '<in> cde')).toBe(true);
    expect(capabilityMatches('FC', '<or> iSCSI <or> FC')).toBe(true);
    expect(capabilityMatches('NFS', '<or> iSCSI <or> FC')).toBe(false);
    expect(capabilityMatches(100, '>= 50')).toBe(true);
    expect(capabilityMatches(10, '= 50')).toBe(false);
    expect(capabilityMatches('10', '== 10.0')).toBe(true);
    expect(capabilityMatches('abc', 's< abd')).toBe(true);
    expect(capabilityMatches('abc', '>= notanumber')).toBe(false);
  });

  it('matches a list capability when any value does', () => {
    expect(capabilityMatches(['raw', 'qcow2'], 'qcow2')).toBe(true);
    expect(capabilityMatches(['raw'], 'qcow2')).toBe(false);
  });
});

describe('satisfiesExtraSpecs (CapabilitiesFilter)', () => {
  const caps = { volume_backend_name: 'file', storage_protocol: 'iSCSI', multiattach: true, free_capacity_gb: 100 };

  it('needs every unscoped and capabilities: spec to be reported and to match', () => {
    expect(satisfiesExtraSpecs(caps, { volume_backend_name: 'file', 'capabilities:storage_protocol': 'iSCSI' })).toEqual({ ok: true });
    expect(satisfiesExtraSpecs(caps, { volume_backend_name: 'rbd' })).toEqual({ ok: false, key: 'volume_backend_name' });
    expect(satisfiesExtraSpecs(caps, { vendor_name: 'x' })).toEqual({ ok: false, key: 'vendor_name' });
    expect(satisfiesExtraSpecs(caps, { multiattach: '<is> True', 'capabilities:free_capacity_gb': '>= 50' })).toEqual({ ok: true });
  });

  it('ignores specs of other scopes (qos:, vendor scopes)', () => {
    expect(satisfiesExtraSpecs(caps, { 'qos:read_iops_sec': '100', 'netapp:raid_type': 'raid4' })).toEqual({ ok: true });
  });
});
