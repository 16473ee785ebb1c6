import { Type, type Static } from 'typebox';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { IdentityDb } from '../store/db.ts';
import {
  deleteLimit,
  findLimit,
  findRegisteredLimit,
  getLimit,
  insertLimit,
  listLimits,
  updateLimitRow,
  type Limit,
  type LimitFilters,
} from '../store/limits.ts';
import { getDomain, getProjectRow } from '../store/projects.ts';
import { linkBase } from './base-url.ts';
import { checkLimitModel, LIMIT_MODELS } from './limit-model.ts';
import {
  checkLimitReferences,
  duplicateLimit,
  LimitServiceId,
  LimitValue,
  NullableString,
  registeredLimitRoutes,
  ResourceName,
} from './limit-registered-routes.ts';
import { limitView } from './limit-views.ts';
import { listCollection } from './service-catalog-collection.ts';
import { missingReference } from './service-catalog-input.ts';

const common = {
  service_id: LimitServiceId,
  region_id: Type.Optional(Type.String()),
  resource_name: ResourceName,
  resource_limit: LimitValue,
  description: Type.Optional(NullableString),
};
// Exactly one owner: a project or a domain (Keystone's oneOf of two closed objects).
const NewLimit = Type.Union([
  Type.Object({ project_id: LimitServiceId, ...common }, { additionalProperties: false }),
  Type.Object({ domain_id: LimitServiceId, ...common }, { additionalProperties: false }),
]);
const CreateBody = Type.Object({ limits: Type.Array(NewLimit, { minItems: 1 }) });
const UpdateBody = Type.Object({
  limit: Type.Object(
    { resource_limit: Type.Optional(LimitValue), description: Type.Optional(NullableString) },
    { additionalProperties: false },
  ),
});
const Params = Type.Object({ limit_id: Type.String() });
const ListQuery = Type.Object({
  service_id: Type.Optional(Type.String()),
  region_id: Type.Optional(Type.String()),
  resource_name: Type.Optional(Type.String()),
  project_id: Type.Optional(Type.String()),
  domain_id: Type.Optional(Type.String()),
});

type NewLimitInput = { project_id?: string; domain_id?: string } & Omit<
  Static<typeof CreateBody>['limits'][number],
  'project_id' | 'domain_id'
>;

async function requireLimit(db: IdentityDb, id: string): Promise<Limit> {
  const l = await getLimit(db, id);
  if (!l) throw identityErrors.limitNotFound(id);
  return l;
}

/**
 * The owner a new limit names, checked: a project id that is a domain makes a domain
 * limit, as in Keystone; a missing project or domain is a 400.
 */
async function ownerOf(
  db: IdentityDb,
  input: NewLimitInput,
): Promise<{ projectId: string | null; domainId: string | null }> {
  if (input.project_id !== undefined) {
    const p = await getProjectRow(db, input.project_id);
    if (!p) throw missingReference('project_id', 'limit');
    return p.isDomain ? { projectId: null, domainId: p.id } : { projectId: p.id, domainId: null };
  }
  const domainId = input.domain_id ?? '';
  if (!(await getDomain(db, domainId))) throw missingReference('domain_id', 'limit');
  return { projectId: null, domainId };
}

/**
 * What the caller may list: everything for system scope or a cloud admin; a domain's own
 * limits and those of its projects for a domain token; the token's project's limits for a
 * project token; nothing unscoped.
 */
async function visibleLimits(
  env: IdentityEnv,
  call: ApiCall,
  filters: LimitFilters,
): Promise<Limit[]> {
  const scope = call.ctx.auth.scope;
  if (scope.kind === 'system' || call.can('admin_required')) return listLimits(env.db, filters);
  if (scope.kind === 'domain') {
    const domainId = scope.domain.id;
    const projects = await env.db
      .selectFrom('identity_project')
      .select('id')
      .where('domain_id', '=', domainId)
      .where('is_domain', '=', 0)
      .execute();
    const ids = new Set(projects.map((p) => p.id));
    return (await listLimits(env.db, filters)).filter((l) =>
      l.projectId ? ids.has(l.projectId) : l.domainId === domainId,
    );
  }
  if (scope.kind === 'project') {
    const projectId = scope.project.id;
    if (filters.projectId !== undefined && filters.projectId !== projectId) return [];
    return listLimits(env.db, { ...filters, projectId });
  }
  return [];
}

function limitsRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/limits/model',
      policy: 'identity:get_limit_model',
      handler: () => ({ model: LIMIT_MODELS[env.settings.unified_limit_model] }),
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/limits',
      policy: 'identity:list_limits',
      schema: { querystring: ListQuery },
      async handler(call) {
        const q = call.query;
        const limits = await visibleLimits(env, call, {
          ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
          ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
          ...(q.resource_name !== undefined ? { resourceName: q.resource_name } : {}),
          ...(q.project_id !== undefined ? { projectId: q.project_id } : {}),
          ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
        });
        return listCollection(env, call, 'limits', 'limits', limits, limitView);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/limits',
      policy: 'identity:create_limits',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const inputs = call.body.limits as NewLimitInput[];
        const created = await env.db.transaction().execute(async (trx) => {
          const drafts: Limit[] = [];
          for (const input of inputs) {
            await checkLimitReferences(trx, input, 'limit');
            drafts.push({
              id: newId(),
              ...(await ownerOf(trx, input)),
              serviceId: input.service_id,
              regionId: input.region_id ?? null,
              resourceName: input.resource_name,
              resourceLimit: input.resource_limit,
              description: input.description ?? null,
            });
          }
          await checkLimitModel(trx, env.settings.unified_limit_model, drafts);
          for (const l of drafts) {
            if (!(await findRegisteredLimit(trx, l))) {
              throw identityErrors.forbiddenAction(
                'Unable to create a limit that has no corresponding registered limit.',
              );
            }
            const owner = l.projectId ? { projectId: l.projectId } : { domainId: l.domainId ?? '' };
            if (await findLimit(trx, owner, l)) throw duplicateLimit('limit');
            await insertLimit(trx, l);
          }
          return drafts;
        });
        const base = linkBase(env, call);
        return { limits: created.map((l) => limitView(l, base)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/limits/:limit_id',
      policy: 'identity:get_limit',
      schema: { params: Params },
      // An unknown id gives an empty target: an admin then gets the 404, others a 403.
      async target(call) {
        const l = await getLimit(env.db, call.params.limit_id);
        if (!l) return {};
        const project = l.projectId ? await getProjectRow(env.db, l.projectId) : undefined;
        // Keystone's target names: the limit's owner, and the domain of a project owner.
        return {
          'target.limit.project_id': l.projectId,
          'target.limit.domain_id': l.domainId,
          'target.limit.domain.id': l.domainId,
          'target.limit.project.domain_id': project?.domainId ?? null,
        };
      },
      async handler(call) {
        return {
          limit: limitView(await requireLimit(env.db, call.params.limit_id), linkBase(env, call)),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/limits/:limit_id',
      policy: 'identity:update_limit',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.limit;
        const updated = await env.db.transaction().execute(async (trx) => {
          const current = await requireLimit(trx, call.params.limit_id);
          const next: Limit = {
            ...current,
            resourceLimit: input.resource_limit ?? current.resourceLimit,
            description: input.description === undefined ? current.description : input.description,
          };
          await checkLimitModel(trx, env.settings.unified_limit_model, [next]);
          await updateLimitRow(trx, next);
          return next;
        });
        return { limit: limitView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/limits/:limit_id',
      policy: 'identity:delete_limit',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        await requireLimit(env.db, call.params.limit_id);
        await deleteLimit(env.db, call.params.limit_id);
        return undefined;
      },
    }),
  ];
}

/** Unified limits: /v3/registered_limits, /v3/limits and /v3/limits/model. */
export function limitRoutes(env: IdentityEnv): RouteSpec[] {
  return [...registeredLimitRoutes(env), ...limitsRoutes(env)];
}
