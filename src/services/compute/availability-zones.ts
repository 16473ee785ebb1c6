import type { ZoneHost } from './env.ts';

/** Services that are not compute hosts: Nova shows them in the internal zone. */
const CONTROL_BINARIES = ['nova-conductor', 'nova-scheduler'];

export interface ZoneSummary {
  readonly zoneName: string;
  readonly zoneState: { readonly available: boolean };
  readonly hosts: null;
}

export interface ZoneDetail {
  readonly zoneName: string;
  readonly zoneState: { readonly available: boolean };
  readonly hosts: Record<
    string,
    Record<string, { available: boolean; active: boolean; updated_at: string | null }>
  >;
}

/** The zones users see: those of compute hosts, available while one of their hosts is enabled. */
export function zoneList(hosts: readonly ZoneHost[]): ZoneSummary[] {
  const zones = new Map<string, boolean>();
  for (const h of hosts) {
    if (CONTROL_BINARIES.includes(h.binary)) continue;
    zones.set(h.zone, (zones.get(h.zone) ?? false) || h.enabled);
  }
  return [...zones].map(([zoneName, available]) => ({
    zoneName,
    zoneState: { available },
    hosts: null,
  }));
}

/**
 * The admin view: every zone with its hosts and each host's services (available = up,
 * active = enabled); control services are listed under the internal zone, which is
 * always available.
 */
export function zoneDetail(hosts: readonly ZoneHost[], internalZone: string): ZoneDetail[] {
  const zones = new Map<string, { available: boolean; hosts: ZoneDetail['hosts'] }>();
  for (const h of hosts) {
    const name = CONTROL_BINARIES.includes(h.binary) ? internalZone : h.zone;
    const zone = zones.get(name) ?? { available: name === internalZone, hosts: {} };
    zone.available ||= h.enabled;
    (zone.hosts[h.host] ??= {})[h.binary] = {
      available: h.up,
      active: h.enabled,
      updated_at: h.updatedAt,
    };
    zones.set(name, zone);
  }
  return [...zones].map(([zoneName, z]) => ({
    zoneName,
    zoneState: { available: z.available },
    hosts: z.hosts,
  }));
}
