import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { IdentityDb } from '../store/db.ts';
import {
  deleteRegisteredLimit,
  findRegisteredLimit,
  getRegisteredLimit,
  insertRegisteredLimit,
  isRegisteredLimitReferenced,
  listRegisteredLimits,
  updateRegisteredLimitRow,
  type RegisteredLimit,
} from '../store/limits.ts';
import { getRegion } from '../store/regions.ts';
import { getService } from '../store/services.ts';
import { linkBase } from './base-url.ts';
import { registeredLimitView } from './limit-views.ts';
import { listCollection } from './service-catalog-collection.ts';
import { missingReference } from './service-catalog-input.ts';

// Keystone's unified-limit schema: ids are [a-zA-Z0-9-]{1,64}, limits a signed 32-bit int >= -1.
export const LimitServiceId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-zA-Z0-9-]+$',
});
export const ResourceName = Type.String({ minLength: 1, maxLength: 255 });
export const LimitValue = Type.Integer({ minimum: -1, maximum: 0x7fffffff });
export const NullableString = Type.Union([Type.String(), Type.Null()]);

const CreateBody = Type.Object({
  registered_limits: Type.Array(
    Type.Object(
      {
        service_id: LimitServiceId,
        region_id: Type.Optional(NullableString),
        resource_name: ResourceName,
        default_limit: LimitValue,
        description: Type.Optional(NullableString),
      },
      { additionalProperties: false },
    ),
    { minItems: 1 },
  ),
});
const UpdateBody = Type.Object({
  registered_limit: Type.Object(
    {
      service_id: Type.Optional(LimitServiceId),
      region_id: Type.Optional(NullableString),
      resource_name: Type.Optional(ResourceName),
      default_limit: Type.Optional(LimitValue),
      description: Type.Optional(NullableString),
    },
    { additionalProperties: false },
  ),
});
const Params = Type.Object({ registered_limit_id: Type.String() });
const ListQuery = Type.Object({
  service_id: Type.Optional(Type.String()),
  region_id: Type.Optional(Type.String()),
  resource_name: Type.Optional(Type.String()),
});

/** A unified limit's service and region must exist: 400 naming the attribute otherwise. */
export async function checkLimitReferences(
  db: IdentityDb,
  ref: { service_id?: string | undefined; region_id?: string | null | undefined },
  target: 'registered_limit' | 'limit',
): Promise<void> {
  if (ref.service_id !== undefined && !(await getService(db, ref.service_id)))
    throw missingReference('service_id', target);
  if (ref.region_id && !(await getRegion(db, ref.region_id)))
    throw missingReference('region_id', target);
}

export function duplicateLimit(kind: 'registered_limit' | 'limit') {
  return identityErrors.conflict(
    `Conflict occurred attempting to store ${kind} - Duplicate entry.`,
  );
}

function referenced(id: string) {
  return identityErrors.forbiddenAction(
    `Unable to update or delete registered limit ${id} because there are project limits associated with it.`,
  );
}

async function requireRegisteredLimit(db: IdentityDb, id: string): Promise<RegisteredLimit> {
  const r = await getRegisteredLimit(db, id);
  if (!r) throw identityErrors.registeredLimitNotFound(id);
  return r;
}

/** /v3/registered_limits: the default of each resource of a service (and region). */
export function registeredLimitRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/registered_limits',
      policy: 'identity:list_registered_limits',
      schema: { querystring: ListQuery },
      async handler(call) {
        const q = call.query;
        const items = await listRegisteredLimits(env.db, {
          ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
          ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
          ...(q.resource_name !== undefined ? { resourceName: q.resource_name } : {}),
        });
        return listCollection(
          env,
          call,
          'registered_limits',
          'registered_limits',
          items,
          registeredLimitView,
        );
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/registered_limits',
      policy: 'identity:create_registered_limits',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const inputs = call.body.registered_limits;
        // All or nothing: a duplicate anywhere in the list (or with a stored one) writes none.
        const created = await env.db.transaction().execute(async (trx) => {
          for (const input of inputs) await checkLimitReferences(trx, input, 'registered_limit');
          const out: RegisteredLimit[] = [];
          for (const input of inputs) {
            const r: RegisteredLimit = {
              id: newId(),
              serviceId: input.service_id,
              regionId: input.region_id ?? null,
              resourceName: input.resource_name,
              defaultLimit: input.default_limit,
              description: input.description ?? null,
            };
            if (await findRegisteredLimit(trx, r)) throw duplicateLimit('registered_limit');
            await insertRegisteredLimit(trx, r);
            out.push(r);
          }
          return out;
        });
        const base = linkBase(env, call);
        return { registered_limits: created.map((r) => registeredLimitView(r, base)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/registered_limits/:registered_limit_id',
      policy: 'identity:get_registered_limit',
      schema: { params: Params },
      async handler(call) {
        const r = await requireRegisteredLimit(env.db, call.params.registered_limit_id);
        return { registered_limit: registeredLimitView(r, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/registered_limits/:registered_limit_id',
      policy: 'identity:update_registered_limit',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.registered_limit;
        const updated = await env.db.transaction().execute(async (trx) => {
          await checkLimitReferences(trx, input, 'registered_limit');
          const current = await requireRegisteredLimit(trx, call.params.registered_limit_id);
          // Keystone refuses any change while project or domain limits hang off it.
          if (await isRegisteredLimitReferenced(trx, current)) throw referenced(current.id);
          const next: RegisteredLimit = {
            id: current.id,
            serviceId: input.service_id ?? current.serviceId,
            regionId: input.region_id === undefined ? current.regionId : input.region_id,
            resourceName: input.resource_name ?? current.resourceName,
            defaultLimit: input.default_limit ?? current.defaultLimit,
            description: input.description === undefined ? current.description : input.description,
          };
          const clash = await findRegisteredLimit(trx, next);
          if (clash && clash.id !== current.id) throw duplicateLimit('registered_limit');
          await updateRegisteredLimitRow(trx, next);
          return next;
        });
        return { registered_limit: registeredLimitView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/registered_limits/:registered_limit_id',
      policy: 'identity:delete_registered_limit',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        await env.db.transaction().execute(async (trx) => {
          const current = await requireRegisteredLimit(trx, call.params.registered_limit_id);
          if (await isRegisteredLimitReferenced(trx, current)) throw referenced(current.id);
          await deleteRegisteredLimit(trx, current.id);
        });
        return undefined;
      },
    }),
  ];
}
