import type { RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv, ZoneHost } from '../env.ts';
import { novaRoute } from './params.ts';

const CONTROL_BINARIES = ['nova-conductor', 'nova-scheduler'];

/** Zones with an enabled compute host are available; zones whose hosts are all disabled are not. */
function zoneStates(hosts: readonly ZoneHost[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const h of hosts.filter((x) => !CONTROL_BINARIES.includes(x.binary))) out.set(h.zone, (out.get(h.zone) ?? false) || h.enabled);
  return out;
}

/** os-availability-zone: the zones of compute hosts; the detail adds the internal zone and each host's services. */
export function availabilityZoneRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...novaRoute('/os-availability-zone', {
      method: 'GET',
      policy: 'os_compute_api:os-availability-zone:list',
      async handler() {
        const zones = zoneStates(await env.hosts());
        return {
          availabilityZoneInfo: [...zones].map(([zoneName, available]) => ({ zoneName, zoneState: { available }, hosts: null })),
        };
      },
    }),
    ...novaRoute('/os-availability-zone/detail', {
      method: 'GET',
      policy: 'os_compute_api:os-availability-zone:detail',
      target: () => ({}),
      async handler() {
        const hosts = await env.hosts();
        const internal = env.settings.internal_service_availability_zone;
        const zoneOf = (h: ZoneHost) => (CONTROL_BINARIES.includes(h.binary) ? internal : h.zone);
        const zones = new Map<string, { available: boolean; hosts: Record<string, Record<string, unknown>> }>();
        for (const h of hosts) {
          const name = zoneOf(h);
          const zone = zones.get(name) ?? { available: false, hosts: {} };
          zone.available ||= h.enabled || name === internal;
          (zone.hosts[h.host] ??= {})[h.binary] = { available: h.up, active: h.enabled, updated_at: h.updatedAt };
          zones.set(name, zone);
        }
        return {
          availabilityZoneInfo: [...zones].map(([zoneName, z]) => ({ zoneName, zoneState: { available: z.available }, hosts: z.hosts })),
        };
      },
    }),
  ];
}
