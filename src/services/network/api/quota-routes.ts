import { badRequest } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { defaultLimits, limitsOf, QUOTA_RESOURCES, usageOf, type QuotaResource } from '../quotas/quotas.ts';
import { callerProject, isAdmin } from './access.ts';
import { convert } from './attributes.ts';

const projectOf = (call: ApiCall) => (call.params as { project_id: string }).project_id;
const target = (project: string) => ({ project_id: project, tenant_id: project });

/** `{"quota": {...}}` with resource limits: integers of -1 or more, unknown resources refused. */
function parseQuotaBody(body: unknown): Partial<Record<QuotaResource, number>> {
  const q = (body as { quota?: unknown } | null | undefined)?.quota;
  if (q === null || typeof q !== 'object' || Array.isArray(q)) throw badRequest("Unable to find 'quota' in request body");
  const unknown = Object.keys(q).filter((k) => !(QUOTA_RESOURCES as readonly string[]).includes(k));
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Partial<Record<QuotaResource, number>> = {};
  for (const [k, v] of Object.entries(q)) out[k as QuotaResource] = convert.int(-1, 2 ** 31 - 1)(v, k) as number;
  return out;
}

/** /v2.0/quotas: limits per project (quotasv2), their defaults and usage (quota_details). */
export function quotaRoutes(env: NetworkEnv): RouteSpec[] {
  const list = defineRoute({
    method: 'GET',
    url: '/v2.0/quotas',
    policy: 'get_quota',
    target: (call) => target(callerProject(call)),
    async handler(call) {
      let qb = env.db.selectFrom('network_quota').select('project_id').distinct();
      if (!isAdmin(call)) qb = qb.where('project_id', '=', callerProject(call));
      const projects = (await qb.orderBy('project_id').execute()).map((r) => r.project_id);
      const quotas = [];
      for (const p of projects) quotas.push({ ...(await limitsOf(env.db, env.settings, p)), project_id: p, tenant_id: p });
      return { quotas };
    },
  });

  const show = defineRoute({
    method: 'GET',
    url: '/v2.0/quotas/:project_id',
    policy: 'get_quota',
    target: (call) => target(projectOf(call)),
    handler: async (call) => ({ quota: await limitsOf(env.db, env.settings, projectOf(call)) }),
  });

  const defaults = defineRoute({
    method: 'GET',
    url: '/v2.0/quotas/:project_id/default',
    policy: 'get_quota',
    target: (call) => target(projectOf(call)),
    handler: () => ({ quota: defaultLimits(env.settings) }),
  });

  // openstacksdk asks for details.json (Neutron's format suffix).
  const details = ['details', 'details.json'].map((path) => defineRoute({
    method: 'GET',
    url: `/v2.0/quotas/:project_id/${path}`,
    policy: 'get_quota',
    target: (call) => target(projectOf(call)),
    async handler(call) {
      const project = projectOf(call);
      const limits = await limitsOf(env.db, env.settings, project);
      const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
      for (const r of QUOTA_RESOURCES) quota[r] = { limit: limits[r], used: await usageOf(env.db, project, r), reserved: 0 };
      return { quota };
    },
  }));

  const update = defineRoute({
    method: 'PUT',
    url: '/v2.0/quotas/:project_id',
    policy: 'update_quota',
    target: (call) => target(projectOf(call)),
    async handler(call) {
      const project = projectOf(call);
      const changes = parseQuotaBody(call.body);
      await env.db.transaction().execute(async (tx) => {
        for (const [resource, limit] of Object.entries(changes)) {
          await tx.deleteFrom('network_quota').where('project_id', '=', project).where('resource', '=', resource).execute();
          await tx.insertInto('network_quota').values({ project_id: project, resource, hard_limit: limit }).execute();
        }
      });
      return { quota: await limitsOf(env.db, env.settings, project) };
    },
  });

  const reset = defineRoute({
    method: 'DELETE',
    url: '/v2.0/quotas/:project_id',
    policy: 'delete_quota',
    status: 204,
    target: (call) => target(projectOf(call)),
    async handler(call) {
      await env.db.deleteFrom('network_quota').where('project_id', '=', projectOf(call)).execute();
      return undefined;
    },
  });

  return [list, show, defaults, ...details, update, reset];
}
