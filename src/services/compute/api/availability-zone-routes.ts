import type { RouteSpec } from '../../../core/http/index.ts';
import { zoneDetail, zoneList } from '../availability-zones.ts';
import type { ComputeEnv } from '../env.ts';
import { novaRoute } from './params.ts';

/** os-availability-zone: the zones of compute hosts; the detail adds the internal zone and each host's services. */
export function availabilityZoneRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...novaRoute('/os-availability-zone', {
      method: 'GET',
      policy: 'os_compute_api:os-availability-zone:list',
      handler: async () => ({ availabilityZoneInfo: zoneList(await env.hosts()) }),
    }),
    ...novaRoute('/os-availability-zone/detail', {
      method: 'GET',
      policy: 'os_compute_api:os-availability-zone:detail',
      target: () => ({}),
      handler: async () => ({
        availabilityZoneInfo: zoneDetail(
          await env.hosts(),
          env.settings.internal_service_availability_zone,
        ),
      }),
    }),
  ];
}
