import { Type, type TSchema } from 'typebox';
import { parseMicroversion, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { CHANGES, MIN_MICROVERSION, versionRange } from '../microversions.ts';
import { defaultLimits, effectiveLimits, quotaUsage } from '../quotas.ts';
import {
  classLimits,
  deleteStoredLimits,
  setClassLimits,
  setStoredLimits,
  type LimitMap,
} from '../store/quotas.ts';
import { limitsOf, quotaClassResources, quotaDetailOf, quotaSetResources } from './quota-views.ts';
import { NovaBoolean, novaBool, novaRoute, queryValue } from './params.ts';

const MAX_INT = 2147483647;
const QuotaValue = Type.Union([
  Type.Integer({ minimum: -1, maximum: MAX_INT }),
  Type.String({ pattern: '^-?[0-9]+$' }),
]);
const ProjectParams = Type.Object({ tenant_id: Type.String({ minLength: 1, maxLength: 255 }) });
const ClassParams = Type.Object({ class_name: Type.String({ minLength: 1, maxLength: 255 }) });

/** A body schema that accepts exactly the resources a range shows (unknown ones are 400s, as Nova's schemas say). */
function body(wrapper: 'quota_set' | 'quota_class_set', resources: readonly string[]): TSchema {
  const props: Record<string, TSchema> = Object.fromEntries(
    resources.map((r) => [r, Type.Optional(QuotaValue)]),
  );
  if (wrapper === 'quota_set') props.force = Type.Optional(NovaBoolean);
  return Type.Object(
    { [wrapper]: Type.Object(props, { additionalProperties: false }) },
    { additionalProperties: false },
  );
}

/** The microversion ranges over which the accepted quota keys stay the same. */
const SET_RANGES = [
  versionRange(undefined, CHANGES.networkQuotasRemoved),
  versionRange(CHANGES.networkQuotasRemoved, CHANGES.personalityRemoved),
  versionRange(CHANGES.personalityRemoved, undefined),
];
const CLASS_RANGES = [
  versionRange(undefined, CHANGES.quotaClassServerGroups),
  versionRange(CHANGES.quotaClassServerGroups, CHANGES.personalityRemoved),
  versionRange(CHANGES.personalityRemoved, undefined),
];
/** The keys a range serves: those of its first microversion (2.1 when it has no minimum). */
const resourcesAt = (
  names: (c: Pick<ApiCall, 'microversion'>) => string[],
  range: { min?: string },
) => names({ microversion: parseMicroversion(range.min ?? MIN_MICROVERSION) });

const projectTarget = (call: { params: unknown }) => ({
  project_id: (call.params as { tenant_id: string }).tenant_id,
});

/** Nova's _validate_quota_limit: not below what is used (unless forced), not above the project's for a user. */
function checkLimit(resource: string, limit: number, minimum: number, maximum: number): void {
  if (limit < -1)
    throw computeErrors.invalid(`Quota limit ${limit} for ${resource} must be -1 or greater.`);
  if (limit < minimum && (maximum !== -1 || limit !== -1)) {
    throw computeErrors.invalid(
      `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${minimum}.`,
    );
  }
  if (maximum !== -1 && limit > maximum)
    throw computeErrors.invalid(
      `Quota limit ${limit} for ${resource} must be less than or equal to ${maximum}.`,
    );
}

async function updateQuotaSet(env: ComputeEnv, call: ApiCall, names: readonly string[]) {
  const projectId = (call.params as { tenant_id: string }).tenant_id;
  const userId = queryValue(call, 'user_id');
  const input = (call.body as { quota_set: Record<string, unknown> }).quota_set;
  const force = input.force === undefined ? false : novaBool(input.force as boolean | string);
  const used = await quotaUsage(env, projectId, userId, call.ctx.auth.userId);
  const project = await effectiveLimits(env, projectId);
  const limits: LimitMap = {};
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'force') continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value > MAX_INT)
      throw computeErrors.invalid(
        `Invalid input for field/attribute ${key}. Value: ${String(raw)}.`,
      );
    if (!force)
      checkLimit(key, value, used[key] ?? 0, userId === undefined ? -1 : (project[key] ?? -1));
    limits[key] = value;
  }
  await setStoredLimits(env.db, projectId, userId, limits);
  return { quota_set: limitsOf(names, await effectiveLimits(env, projectId, userId)) };
}

function quotaSetRoutes(env: ComputeEnv, range: { min?: string; max?: string }): RouteSpec[] {
  const names = resourcesAt(quotaSetResources, range);
  return [
    ...novaRoute('/os-quota-sets/:tenant_id', {
      method: 'GET',
      versions: range,
      policy: 'os_compute_api:os-quota-sets:show',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        const limits = await effectiveLimits(
          env,
          call.params.tenant_id,
          queryValue(call, 'user_id'),
        );
        return { quota_set: limitsOf(names, limits, call.params.tenant_id) };
      },
    }),
    ...novaRoute('/os-quota-sets/:tenant_id/detail', {
      method: 'GET',
      versions: range,
      policy: 'os_compute_api:os-quota-sets:detail',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        const userId = queryValue(call, 'user_id');
        const limits = await effectiveLimits(env, call.params.tenant_id, userId);
        const used = await quotaUsage(env, call.params.tenant_id, userId, call.ctx.auth.userId);
        return { quota_set: quotaDetailOf(names, limits, used, call.params.tenant_id) };
      },
    }),
    ...novaRoute('/os-quota-sets/:tenant_id/defaults', {
      method: 'GET',
      versions: range,
      policy: 'os_compute_api:os-quota-sets:defaults',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        return { quota_set: limitsOf(names, await defaultLimits(env), call.params.tenant_id) };
      },
    }),
    ...novaRoute('/os-quota-sets/:tenant_id', {
      method: 'PUT',
      versions: range,
      policy: 'os_compute_api:os-quota-sets:update',
      target: projectTarget,
      schema: { params: ProjectParams, body: body('quota_set', names) },
      handler: (call) => updateQuotaSet(env, call as unknown as ApiCall, names),
    }),
  ];
}

function quotaClassRoutes(env: ComputeEnv, range: { min?: string; max?: string }): RouteSpec[] {
  const names = resourcesAt(quotaClassResources, range);
  const classTarget = (call: { params: unknown }) => ({
    quota_class: (call.params as { class_name: string }).class_name,
  });
  const classLimitsOf = async (className: string) => {
    // Only the `default` class changes anything; another class shows the defaults with its own values.
    return { ...(await defaultLimits(env)), ...(await classLimits(env.db, className)) };
  };
  return [
    ...novaRoute('/os-quota-class-sets/:class_name', {
      method: 'GET',
      versions: range,
      policy: 'os_compute_api:os-quota-class-sets:show',
      target: classTarget,
      schema: { params: ClassParams },
      async handler(call) {
        return {
          quota_class_set: limitsOf(
            names,
            await classLimitsOf(call.params.class_name),
            call.params.class_name,
          ),
        };
      },
    }),
    ...novaRoute('/os-quota-class-sets/:class_name', {
      method: 'PUT',
      versions: range,
      policy: 'os_compute_api:os-quota-class-sets:update',
      target: classTarget,
      schema: { params: ClassParams, body: body('quota_class_set', names) },
      async handler(call) {
        const input = (call.body as { quota_class_set: Record<string, unknown> }).quota_class_set;
        const limits: LimitMap = {};
        for (const [key, raw] of Object.entries(input)) {
          const value = Number(raw);
          if (!Number.isSafeInteger(value) || value < -1 || value > MAX_INT) {
            throw computeErrors.invalid(
              `Invalid input for field/attribute ${key}. Value: ${String(raw)}.`,
            );
          }
          limits[key] = value;
        }
        await setClassLimits(env.db, call.params.class_name, limits);
        return { quota_class_set: limitsOf(names, await classLimitsOf(call.params.class_name)) };
      },
    }),
  ];
}

/** os-quota-sets (show, detail, defaults, update, delete) and os-quota-class-sets, with Nova's own quota driver. */
export function quotaRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...SET_RANGES.flatMap((r) => quotaSetRoutes(env, r)),
    ...CLASS_RANGES.flatMap((r) => quotaClassRoutes(env, r)),
    ...novaRoute('/os-quota-sets/:tenant_id', {
      method: 'DELETE',
      status: 202,
      policy: 'os_compute_api:os-quota-sets:delete',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        await deleteStoredLimits(env.db, call.params.tenant_id, queryValue(call, 'user_id'));
        return undefined;
      },
    }),
  ];
}
