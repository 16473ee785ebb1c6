import type { BackendStats } from '../drivers.ts';
import type { Backend, BlockStorageEnv } from '../env.ts';
import type { VolumeTypeRef } from '../store/volume-type-refs.ts';
import { satisfiesExtraSpecs, type CapabilityValue } from './capability-match.ts';

/**
 * Picks the backend a volume lives on, as Cinder's filter scheduler does with its default
 * filters and weigher: the availability zone must match, the backend must have room
 * (thin backends up to max_over_subscription_ratio), the volume type's extra specs must
 * match what the backend reports (volume_backend_name, capabilities:...), disabled
 * cinder-volume services take nothing; of the rest the one with most free space wins.
 */
export interface ScheduleRequest {
  readonly sizeGb: number;
  readonly volumeType: VolumeTypeRef;
  /** Requested zone; any zone when undefined. */
  readonly availabilityZone?: string | undefined;
  /** Only this backend host (clones and volumes from snapshots stay on their source's backend). */
  readonly backendHost?: string | undefined;
  /** GiB already counted on the backend for this volume (extend, retype in place). */
  readonly alreadyAllocatedGb?: number | undefined;
}

export type ScheduleResult =
  | { readonly ok: true; readonly backend: Backend; readonly stats: BackendStats }
  | { readonly ok: false; readonly reason: string };

/** What a backend reports, in Cinder's capability names, for extra-spec matching. */
export function capabilitiesOf(stats: BackendStats, maxOverSubscriptionRatio: number): Record<string, CapabilityValue> {
  return {
    ...(stats.extra ?? {}),
    volume_backend_name: stats.backendName,
    vendor_name: stats.vendorName,
    driver_version: stats.driverVersion,
    storage_protocol: stats.storageProtocol,
    total_capacity_gb: stats.totalCapacityGb,
    free_capacity_gb: stats.freeCapacityGb,
    provisioned_capacity_gb: stats.provisionedCapacityGb,
    thin_provisioning_support: stats.thinProvisioning,
    thick_provisioning_support: !stats.thinProvisioning,
    max_over_subscription_ratio: maxOverSubscriptionRatio,
    reserved_percentage: 0,
    multiattach: stats.multiattach,
    online_extend_support: true,
    QoS_support: false,
  };
}

/** Whether `sizeGb` more fits on the backend (Cinder's CapacityFilter, reserved 0%). */
export function hasRoom(stats: BackendStats, sizeGb: number, maxOverSubscriptionRatio: number): boolean {
  if (stats.freeCapacityGb <= 0 && stats.totalCapacityGb > 0) return false;
  if (stats.thinProvisioning) {
    return stats.provisionedCapacityGb + sizeGb <= stats.totalCapacityGb * maxOverSubscriptionRatio && stats.freeCapacityGb > 0;
  }
  return stats.freeCapacityGb >= sizeGb;
}

async function disabledHosts(env: BlockStorageEnv): Promise<Set<string>> {
  const rows = await env.db
    .selectFrom('block_storage_service')
    .select('host')
    .where('binary', '=', 'cinder-volume')
    .where('disabled', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.host));
}

export async function scheduleVolume(env: BlockStorageEnv, req: ScheduleRequest): Promise<ScheduleResult> {
  const ratio = env.settings.max_over_subscription_ratio;
  const disabled = await disabledHosts(env);
  const reasons: string[] = [];
  const candidates: Array<{ backend: Backend; stats: BackendStats }> = [];
  for (const backend of env.backends) {
    if (req.backendHost !== undefined && backend.host !== req.backendHost && backend.poolHost !== req.backendHost) continue;
    if (disabled.has(backend.host)) {
      reasons.push(`${backend.name}: service disabled`);
      continue;
    }
    if (req.availabilityZone !== undefined && backend.availabilityZone !== req.availabilityZone) {
      reasons.push(`${backend.name}: not in availability zone ${req.availabilityZone}`);
      continue;
    }
    let stats: BackendStats;
    try {
      stats = await backend.driver.stats();
    } catch (err) {
      env.logger.warn({ err, backend: backend.name }, 'backend did not report its stats; not scheduling to it');
      reasons.push(`${backend.name}: not reporting`);
      continue;
    }
    const need = req.sizeGb - (req.alreadyAllocatedGb ?? 0);
    if (need > 0 && !hasRoom(stats, need, ratio)) {
      reasons.push(`${backend.name}: insufficient free capacity`);
      continue;
    }
    const specs = satisfiesExtraSpecs(capabilitiesOf(stats, ratio), req.volumeType.extraSpecs);
    if (!specs.ok) {
      reasons.push(`${backend.name}: does not satisfy extra spec ${specs.key}`);
      continue;
    }
    candidates.push({ backend, stats });
  }
  if (candidates.length === 0) {
    return { ok: false, reason: reasons.length ? reasons.join('; ') : 'No backends are configured.' };
  }
  candidates.sort((a, b) => b.stats.freeCapacityGb - a.stats.freeCapacityGb);
  const best = candidates[0]!;
  return { ok: true, backend: best.backend, stats: best.stats };
}

/** The running backend a volume's host names (`host@backend#pool`), if any. */
export function backendOfHost(env: BlockStorageEnv, host: string | null): Backend | undefined {
  if (!host) return undefined;
  return env.backends.find((b) => b.poolHost === host || b.host === host || host.startsWith(`${b.host}#`));
}
