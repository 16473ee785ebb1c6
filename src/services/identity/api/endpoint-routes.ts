import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  ENDPOINT_INTERFACES,
  deleteEndpoint,
  getEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpointRow,
  validEndpointUrl,
  type Endpoint,
} from '../store/endpoints.ts';
import { getRegion, insertRegion } from '../store/regions.ts';
import { getService } from '../store/services.ts';
import { linkBase } from './base-url.ts';
import { endpointView } from './endpoint-views.ts';
import { listCollection } from './service-catalog-collection.ts';
import { extraOf, missingReference, requireMatchingId } from './service-catalog-input.ts';

const OptionalNullableString = Type.Optional(
  Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
);
const fields = {
  interface: Type.Union(ENDPOINT_INTERFACES.map((i) => Type.Literal(i))),
  service_id: Type.String(),
  // Keystone's URL rule: a scheme, a colon and something after it, at most 225 characters.
  url: Type.String({ maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' }),
  enabled: Type.Boolean(),
};
const CreateBody = Type.Object({
  endpoint: Type.Object({
    ...fields,
    enabled: Type.Optional(fields.enabled),
    region_id: OptionalNullableString,
    region: OptionalNullableString,
  }),
});
const UpdateBody = Type.Object({
  endpoint: Type.Object(
    {
      interface: Type.Optional(fields.interface),
      service_id: Type.Optional(fields.service_id),
      url: Type.Optional(fields.url),
      enabled: Type.Optional(fields.enabled),
      region_id: OptionalNullableString,
      region: OptionalNullableString,
    },
    { minProperties: 1 },
  ),
});
const Params = Type.Object({ endpoint_id: Type.String() });
const ListQuery = Type.Object({
  interface: Type.Optional(Type.String()),
  service_id: Type.Optional(Type.String()),
  region_id: Type.Optional(Type.String()),
});
const KNOWN = ['interface', 'service_id', 'url', 'enabled', 'region_id', 'region'];

type RegionInput = { region_id?: string | null; region?: string | null };

async function requireEndpoint(env: IdentityEnv, id: string): Promise<Endpoint> {
  const e = await getEndpoint(env.db, id);
  if (!e) throw identityErrors.endpointNotFound(id);
  return e;
}

function checkUrl(url: string | undefined): void {
  if (url !== undefined && !validEndpointUrl(url)) {
    throw identityErrors.validation(`Cannot create an endpoint with an invalid URL: ${url}.`);
  }
}

async function checkService(env: IdentityEnv, serviceId: string | undefined): Promise<void> {
  if (serviceId !== undefined && !(await getService(env.db, serviceId))) {
    throw missingReference('endpoint service_id', 'service table');
  }
}

/**
 * The region the body asks for: undefined when it names none. `region_id` must name an
 * existing region; the pre-3.2 `region` attribute creates its region when missing, as
 * Keystone does for old clients.
 */
async function resolveRegion(
  env: IdentityEnv,
  input: RegionInput,
): Promise<string | null | undefined> {
  if (
    (input.region_id === undefined || input.region_id === null) &&
    typeof input.region === 'string'
  ) {
    if (!(await getRegion(env.db, input.region))) {
      try {
        await insertRegion(env.db, {
          id: input.region,
          description: '',
          parentRegionId: null,
          extra: {},
        });
      } catch (err) {
        // Another request created it in the meantime: that is what we wanted.
        if (!isUniqueViolation(err)) throw err;
      }
    }
    return input.region;
  }
  if (input.region_id === undefined) return undefined;
  if (input.region_id !== null && !(await getRegion(env.db, input.region_id))) {
    throw missingReference('endpoint region_id', 'region table');
  }
  return input.region_id;
}

export function endpointRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/endpoints',
      policy: 'identity:list_endpoints',
      schema: { querystring: ListQuery },
      async handler(call) {
        const q = call.query;
        const endpoints = await listEndpoints(env.db, {
          ...(q.interface !== undefined ? { interface: q.interface } : {}),
          ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
          ...(q.region_id !== undefined ? { regionId: q.region_id } : {}),
        });
        return listCollection(env, call, 'endpoints', 'endpoints', endpoints, endpointView);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/endpoints',
      policy: 'identity:create_endpoint',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const input = call.body.endpoint as Record<string, unknown> & typeof call.body.endpoint;
        checkUrl(input.url);
        await checkService(env, input.service_id);
        const endpoint: Endpoint = {
          id: newId(),
          serviceId: input.service_id,
          interface: input.interface,
          url: input.url,
          regionId: (await resolveRegion(env, input)) ?? null,
          enabled: input.enabled ?? true,
          extra: extraOf(input, KNOWN, { normalize: true }),
        };
        await insertEndpoint(env.db, endpoint);
        return { endpoint: endpointView(endpoint, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/endpoints/:endpoint_id',
      policy: 'identity:get_endpoint',
      schema: { params: Params },
      async handler(call) {
        return {
          endpoint: endpointView(
            await requireEndpoint(env, call.params.endpoint_id),
            linkBase(env, call),
          ),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/endpoints/:endpoint_id',
      policy: 'identity:update_endpoint',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.endpoint as Record<string, unknown> & typeof call.body.endpoint;
        requireMatchingId(input, call.params.endpoint_id);
        const current = await requireEndpoint(env, call.params.endpoint_id);
        checkUrl(input.url);
        await checkService(env, input.service_id);
        const regionId = await resolveRegion(env, input);
        const updated: Endpoint = {
          id: current.id,
          serviceId: input.service_id ?? current.serviceId,
          interface: input.interface ?? current.interface,
          url: input.url ?? current.url,
          regionId: regionId === undefined ? current.regionId : regionId,
          enabled: input.enabled ?? current.enabled,
          extra: { ...current.extra, ...extraOf(input, KNOWN) },
        };
        await updateEndpointRow(env.db, updated);
        return { endpoint: endpointView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/endpoints/:endpoint_id',
      policy: 'identity:delete_endpoint',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        await requireEndpoint(env, call.params.endpoint_id);
        await deleteEndpoint(env.db, call.params.endpoint_id);
        return undefined;
      },
    }),
  ];
}
