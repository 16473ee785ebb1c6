import type { RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { effectiveLimits, quotaUsage } from '../quotas.ts';
import { limitsView } from './limit-views.ts';
import { callerProject, novaRoute, queryValue } from './params.ts';

/** GET /limits, for the caller's project or (admins) another one with ?tenant_id=. */
export function limitRoutes(env: ComputeEnv): RouteSpec[] {
  return novaRoute('/limits', {
    method: 'GET',
    policy: 'os_compute_api:limits',
    async handler(call) {
      const other = queryValue(call, 'tenant_id');
      if (other !== undefined)
        call.authorize('os_compute_api:limits:other_project', { project_id: other });
      const projectId = other ?? callerProject(call);
      const limits = await effectiveLimits(env, projectId);
      const used = await quotaUsage(env, projectId, undefined, call.ctx.auth.userId);
      return limitsView(call, limits, used);
    },
  });
}
