import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { listServices, VOLUME_BINARY } from '../store/services.ts';
import { projectScoped } from './project-paths.ts';

/**
 * Availability zones as Cinder derives them: the zones of the cinder-volume services, a zone
 * being available while any of its services is enabled.
 */
export async function availabilityZones(
  env: BlockStorageEnv,
): Promise<Array<{ name: string; available: boolean }>> {
  const zones = new Map<string, boolean>();
  for (const s of await listServices(env.db, { binary: VOLUME_BINARY })) {
    zones.set(s.availability_zone, (zones.get(s.availability_zone) ?? false) || s.disabled === 0);
  }
  return [...zones].map(([name, available]) => ({ name, available }));
}

export function availabilityZoneRoutes(env: BlockStorageEnv): RouteSpec[] {
  return projectScoped('/os-availability-zone', {
    method: 'GET',
    policy: 'volume_extension:availability_zone:list',
    async handler() {
      const zones = await availabilityZones(env);
      return {
        availabilityZoneInfo: zones.map((z) => ({
          zoneName: z.name,
          zoneState: { available: z.available },
        })),
      };
    },
  });
}
