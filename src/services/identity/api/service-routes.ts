import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deleteService,
  getService,
  insertService,
  listServices,
  registeredLimitsOfService,
  updateServiceRow,
  type Service,
} from '../store/services.ts';
import { linkBase } from './base-url.ts';
import { listCollection } from './service-catalog-collection.ts';
import { extraOf, requireMatchingId } from './service-catalog-input.ts';
import { serviceView } from './service-views.ts';

// Keystone's schema: type 1-255 characters, name a non-blank string, enabled a real boolean.
const serviceFields = {
  type: Type.String({ minLength: 1, maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
  enabled: Type.Boolean(),
};
const CreateBody = Type.Object({
  service: Type.Object({
    type: serviceFields.type,
    name: Type.Optional(serviceFields.name),
    enabled: Type.Optional(serviceFields.enabled),
  }),
});
const UpdateBody = Type.Object({
  service: Type.Object(
    {
      type: Type.Optional(serviceFields.type),
      name: Type.Optional(serviceFields.name),
      enabled: Type.Optional(serviceFields.enabled),
    },
    { minProperties: 1 },
  ),
});
const Params = Type.Object({ service_id: Type.String() });
const ListQuery = Type.Object({
  type: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
});
const KNOWN = ['type', 'name', 'enabled'];

async function requireService(env: IdentityEnv, id: string): Promise<Service> {
  const s = await getService(env.db, id);
  if (!s) throw identityErrors.serviceNotFound(id);
  return s;
}

export function serviceRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/services',
      policy: 'identity:list_services',
      schema: { querystring: ListQuery },
      async handler(call) {
        const services = await listServices(env.db, {
          ...(call.query.type !== undefined ? { type: call.query.type } : {}),
          ...(call.query.name !== undefined ? { name: call.query.name } : {}),
        });
        return listCollection(env, call, 'services', 'services', services, serviceView);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/services',
      policy: 'identity:create_service',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const input = call.body.service as Record<string, unknown> & typeof call.body.service;
        const service: Service = {
          id: newId(),
          type: input.type,
          enabled: input.enabled ?? true,
          name: input.name ?? '',
          extra: extraOf(input, KNOWN, { normalize: true }),
        };
        await insertService(env.db, service);
        return { service: serviceView(service, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/services/:service_id',
      policy: 'identity:get_service',
      schema: { params: Params },
      async handler(call) {
        return {
          service: serviceView(
            await requireService(env, call.params.service_id),
            linkBase(env, call),
          ),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/services/:service_id',
      policy: 'identity:update_service',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.service as Record<string, unknown> & typeof call.body.service;
        requireMatchingId(input, call.params.service_id);
        const current = await requireService(env, call.params.service_id);
        const updated: Service = {
          id: current.id,
          type: input.type ?? current.type,
          enabled: input.enabled ?? current.enabled,
          name: input.name ?? current.name,
          extra: { ...current.extra, ...extraOf(input, KNOWN) },
        };
        await updateServiceRow(env.db, updated);
        return { service: serviceView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/services/:service_id',
      policy: 'identity:delete_service',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        const id = call.params.service_id;
        await requireService(env, id);
        // Keystone's foreign key refuses this too; a conflict says why instead of a 500.
        if ((await registeredLimitsOfService(env.db, id)) > 0) {
          throw identityErrors.conflict(
            `Unable to delete service ${id} because registered limits refer to it: delete them first.`,
          );
        }
        await deleteService(env.db, id);
        return undefined;
      },
    }),
  ];
}
