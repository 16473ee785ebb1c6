import { Type } from 'typebox';
import { parseBoolParam, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  classLimits,
  defaultLimits,
  deleteProjectLimits,
  hardLimits,
  quotaResourceNames,
  setClassLimits,
  setProjectLimits,
  usage,
} from '../quotas.ts';
import { singleFilter } from './cinder-list.ts';
import { projectScoped } from './project-paths.ts';

const MAX_INT = 0x7fffffff;
/** Keys a quota set may carry that are not resources (Cinder's NON_QUOTA_KEYS). */
const NON_QUOTA_KEYS = ['tenant_id', 'id'];

const ProjectParams = Type.Object({
  target_project_id: Type.String({ minLength: 1, maxLength: 255 }),
});
const ClassParams = Type.Object({ class_name: Type.String({ minLength: 1, maxLength: 255 }) });
const UpdateBody = Type.Object(
  { quota_set: Type.Record(Type.String(), Type.Unknown(), { minProperties: 1 }) },
  { additionalProperties: false },
);
const ClassBody = Type.Object(
  {
    quota_class_set: Type.Record(
      Type.String({ pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }),
      Type.Union([
        Type.Integer({ minimum: -1, maximum: MAX_INT }),
        Type.String({ pattern: '^[0-9]+$' }),
      ]),
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** A limit as Cinder's validate_integer takes it: an integer (or its text) from -1 to MAX_INT. */
function limitValue(key: string, raw: unknown): number {
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^-?[0-9]+$/.test(raw.trim())
        ? Number(raw)
        : NaN;
  if (!Number.isInteger(n))
    throw blockStorageErrors.invalid(`Invalid input received: ${key} must be an integer.`);
  if (n < -1) throw blockStorageErrors.invalid(`Invalid input received: ${key} must be >= -1`);
  if (n > MAX_INT)
    throw blockStorageErrors.invalid(`Invalid input received: ${key} must be <= ${MAX_INT}`);
  return n;
}

function rejectUnknown(keys: readonly string[], known: ReadonlySet<string>, what: string): void {
  const bad = keys.filter((k) => !known.has(k));
  if (bad.length)
    throw blockStorageErrors.invalid(
      `Invalid input received: Bad key(s) in ${what}: ${bad.join(', ')}`,
    );
}

/** os-quota-sets and os-quota-class-sets: Cinder's per-project limits and the `default` class. */
export function quotaRoutes(env: BlockStorageEnv): RouteSpec[] {
  const projectTarget = (call: { params: unknown }) => ({
    project_id: (call.params as { target_project_id: string }).target_project_id,
  });
  return [
    ...projectScoped('/os-quota-sets/:target_project_id', {
      method: 'GET',
      policy: 'volume_extension:quotas:show',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        const projectId = call.params.target_project_id;
        const withUsage = parseBoolParam('usage', singleFilter(call.query, 'usage')) ?? false;
        const limits = await hardLimits(env.db, env.settings, projectId);
        if (!withUsage) return { quota_set: { ...limits, id: projectId } };
        const used = await usage(env.db, projectId);
        const out: Record<string, unknown> = {};
        for (const [resource, limit] of Object.entries(limits)) {
          out[resource] = { limit, in_use: used[resource] ?? 0, reserved: 0 };
        }
        return { quota_set: { ...out, id: projectId } };
      },
    }),
    ...projectScoped('/os-quota-sets/:target_project_id/defaults', {
      method: 'GET',
      policy: 'volume_extension:quotas:show',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        return {
          quota_set: {
            ...(await defaultLimits(env.db, env.settings)),
            id: call.params.target_project_id,
          },
        };
      },
    }),
    ...projectScoped('/os-quota-sets/:target_project_id', {
      method: 'PUT',
      policy: 'volume_extension:quotas:update',
      target: projectTarget,
      schema: { params: ProjectParams, body: UpdateBody },
      async handler(call) {
        const projectId = call.params.target_project_id;
        const input = call.body.quota_set as Record<string, unknown>;
        const known = new Set([...(await quotaResourceNames(env.db)), ...NON_QUOTA_KEYS]);
        rejectUnknown(Object.keys(input), known, 'quota set');
        const limits: Record<string, number> = {};
        for (const [key, raw] of Object.entries(input)) {
          if (!NON_QUOTA_KEYS.includes(key)) limits[key] = limitValue(key, raw);
        }
        // A limit below what the project already uses would leave it over quota (Cinder
        // refuses, except for the per-volume size, which counts nothing).
        const used = await usage(env.db, projectId);
        for (const [key, value] of Object.entries(limits)) {
          if (key === 'per_volume_gigabytes' || value === -1) continue;
          const inUse = used[key] ?? 0;
          if (value < inUse) {
            throw blockStorageErrors.invalid(
              `Quota ${key} limit must be equal or greater than existing resources. Current usage is ${inUse} and the requested limit is ${value}.`,
            );
          }
        }
        await setProjectLimits(env.db, projectId, limits);
        return { quota_set: await hardLimits(env.db, env.settings, projectId) };
      },
    }),
    ...projectScoped('/os-quota-sets/:target_project_id', {
      method: 'DELETE',
      policy: 'volume_extension:quotas:delete',
      target: projectTarget,
      schema: { params: ProjectParams },
      async handler(call) {
        await deleteProjectLimits(env.db, call.params.target_project_id);
        return undefined;
      },
    }),
    ...projectScoped('/os-quota-class-sets/:class_name', {
      method: 'GET',
      policy: 'volume_extension:quota_classes:get',
      schema: { params: ClassParams },
      async handler(call) {
        return {
          quota_class_set: {
            ...(await classLimits(env.db, env.settings, call.params.class_name)),
            id: call.params.class_name,
          },
        };
      },
    }),
    ...projectScoped('/os-quota-class-sets/:class_name', {
      method: 'PUT',
      policy: 'volume_extension:quota_classes:update',
      schema: { params: ClassParams, body: ClassBody },
      async handler(call) {
        const input = call.body.quota_class_set as Record<string, number | string>;
        rejectUnknown(
          Object.keys(input),
          new Set(await quotaResourceNames(env.db)),
          'quota class set',
        );
        const limits: Record<string, number> = {};
        for (const [key, raw] of Object.entries(input)) limits[key] = limitValue(key, raw);
        await setClassLimits(env.db, call.params.class_name, limits);
        return { quota_class_set: await classLimits(env.db, env.settings, call.params.class_name) };
      },
    }),
  ];
}
