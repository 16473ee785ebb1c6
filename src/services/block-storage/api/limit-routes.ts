import {
  compareMicroversions,
  parseMicroversion,
  type ApiCall,
  type RouteSpec,
} from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { hardLimits, usage } from '../quotas.ts';
import { singleFilter } from './cinder-list.ts';
import { callerTarget, callProject, projectScoped } from './project-paths.ts';
import { isAdminCall } from './volume-access.ts';

/** Absolute limits as GET /limits names them, from the quota resources. */
const MAX_NAMES: Record<string, string> = {
  gigabytes: 'maxTotalVolumeGigabytes',
  backup_gigabytes: 'maxTotalBackupGigabytes',
  volumes: 'maxTotalVolumes',
  snapshots: 'maxTotalSnapshots',
  backups: 'maxTotalBackups',
};
/** What the used-limits extension adds: how much of each the project uses. */
const USED_NAMES: Record<string, string> = {
  totalVolumesUsed: 'volumes',
  totalGigabytesUsed: 'gigabytes',
  totalSnapshotsUsed: 'snapshots',
  totalBackupsUsed: 'backups',
  totalBackupGigabytesUsed: 'backup_gigabytes',
};

function atLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

/** An admin may ask for another project's limits with ?project_id= (3.39 for the maxima, 3.38 for usage). */
function limitsProject(call: ApiCall, since: string): string {
  if (isAdminCall(call) && atLeast(call, since)) {
    const other = singleFilter(call.query, 'project_id') ?? singleFilter(call.query, 'tenant_id');
    if (other) return other;
  }
  return callProject(call);
}

/** GET /limits: Cinder's absolute limits (quota maxima and, by policy, usage); no rate limits. */
export function limitRoutes(env: BlockStorageEnv): RouteSpec[] {
  return projectScoped('/limits', {
    method: 'GET',
    policy: 'volume_extension:limits:index',
    async handler(call) {
      const limits = await hardLimits(env.db, env.settings, limitsProject(call, '3.39'));
      const absolute: Record<string, number> = {};
      for (const [resource, name] of Object.entries(MAX_NAMES))
        absolute[name] = limits[resource] ?? -1;
      if (call.can('limits_extension:used_limits', callerTarget(call))) {
        const used = await usage(env.db, limitsProject(call, '3.38'));
        for (const [name, resource] of Object.entries(USED_NAMES))
          absolute[name] = used[resource] ?? 0;
      }
      return { limits: { rate: [], absolute } };
    },
  });
}
