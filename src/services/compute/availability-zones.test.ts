import { describe, expect, it } from 'vitest';
import { zoneDetail, zoneList } from './availability-zones.ts';
import type { ZoneHost } from './env.ts';

const host = (host: string, binary: string, zone: string, enabled = true, up = true): ZoneHost => ({
  host,
  binary,
  zone,
  enabled,
  up,
  updatedAt: '2026-01-01T00:00:00.000000',
});

describe('availability zones', () => {
  const hosts = [
    host('c1', 'nova-compute', 'nova'),
    host('c2', 'nova-compute', 'az2', false, false),
    host('c3', 'nova-compute', 'az2', false),
    host('ctl', 'nova-conductor', 'nova'),
    host('ctl', 'nova-scheduler', 'nova'),
  ];

  it('lists the zones of compute hosts; a zone whose hosts are all disabled is unavailable', () => {
    expect(zoneList(hosts)).toEqual([
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      { zoneName: 'az2', zoneState: { available: false }, hosts: null },
    ]);
    expect(zoneList([host('ctl', 'nova-conductor', 'nova')])).toEqual([]);
  });

  it("details each host's services, control services under the internal zone", () => {
    const detail = zoneDetail(hosts, 'internal');
    expect(detail.map((z) => [z.zoneName, z.zoneState.available])).toEqual([
      ['nova', true],
      ['az2', false],
      ['internal', true],
    ]);
    expect(detail[1]!.hosts).toEqual({
      c2: {
        'nova-compute': {
          available: false,
          active: false,
          updated_at: '2026-01-01T00:00:00.000000',
        },
      },
      c3: {
        'nova-compute': {
          available: true,
          active: false,
          updated_at: '2026-01-01T00:00:00.000000',
        },
      },
    });
    expect(Object.keys(detail[2]!.hosts.ctl!)).toEqual(['nova-conductor', 'nova-scheduler']);
  });
});
