import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deleteRegions,
  getRegion,
  insertRegion,
  listRegions,
  regionSubtree,
  regionUsage,
  updateRegionRow,
  wouldCreateCycle,
  type Region,
} from '../store/regions.ts';
import { linkBase } from './base-url.ts';
import { regionView } from './region-views.ts';
import { listCollection } from './service-catalog-collection.ts';
import { extraOf, requireMatchingId } from './service-catalog-input.ts';

// Region ids are operator-chosen strings stored in a varchar(255).
const RegionId = Type.String({ minLength: 1, maxLength: 255 });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const KNOWN = ['description', 'parent_region_id'];

const regionFields = {
  description: Type.Optional(Nullable(Type.String())),
  parent_region_id: Type.Optional(Nullable(RegionId)),
};
const CreateBody = Type.Object({
  region: Type.Object({ id: Type.Optional(Type.String({ maxLength: 255 })), ...regionFields }),
});
const UpdateBody = Type.Object({
  region: Type.Object(
    { id: Type.Optional(Nullable(Type.String())), ...regionFields },
    { minProperties: 1 },
  ),
});
const Params = Type.Object({ region_id: RegionId });
const ListQuery = Type.Object({ parent_region_id: Type.Optional(Type.String()) });

type RegionInput = {
  id?: string | null;
  description?: string | null;
  parent_region_id?: string | null;
} & Record<string, unknown>;

function alreadyExists(id: string) {
  return identityErrors.conflict(
    `Conflict occurred attempting to store region - Duplicate ID, ${id}.`,
  );
}

async function requireRegion(env: IdentityEnv, id: string): Promise<Region> {
  const r = await getRegion(env.db, id);
  if (!r) throw identityErrors.regionNotFound(id);
  return r;
}

/** Creates a region with this id (POST and PUT share it): 409 if taken, 404 if the parent is missing. */
async function createRegion(env: IdentityEnv, id: string, input: RegionInput): Promise<Region> {
  if (await getRegion(env.db, id)) throw alreadyExists(id);
  const parentRegionId = input.parent_region_id ?? null;
  if (parentRegionId !== null) await requireRegion(env, parentRegionId);
  const region: Region = {
    id,
    description: input.description ?? '',
    parentRegionId,
    extra: extraOf(input, KNOWN, { normalize: true }),
  };
  try {
    await insertRegion(env.db, region);
  } catch (err) {
    if (isUniqueViolation(err)) throw alreadyExists(id);
    throw err;
  }
  return region;
}

export function regionRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/regions',
      policy: 'identity:list_regions',
      schema: { querystring: ListQuery },
      async handler(call) {
        const filters =
          call.query.parent_region_id === undefined
            ? {}
            : { parentRegionId: call.query.parent_region_id };
        return listCollection(
          env,
          call,
          'regions',
          'regions',
          await listRegions(env.db, filters),
          regionView,
        );
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/regions',
      policy: 'identity:create_region',
      schema: { body: CreateBody },
      status: 201,
      async handler(call) {
        const input = call.body.region as RegionInput;
        // Keystone takes a client id on POST too (historical), and makes one when it is absent or empty.
        const id = input.id ? input.id : newId();
        return { region: regionView(await createRegion(env, id, input), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v3/regions/:region_id',
      policy: 'identity:create_region',
      schema: { body: CreateBody, params: Params },
      status: 201,
      async handler(call) {
        const input = call.body.region as RegionInput;
        const id = call.params.region_id;
        if (input.id !== undefined && input.id !== id) {
          throw identityErrors.validation(
            `Conflicting region IDs specified: "${id}" != "${String(input.id)}"`,
          );
        }
        return { region: regionView(await createRegion(env, id, input), linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/regions/:region_id',
      policy: 'identity:get_region',
      schema: { params: Params },
      async handler(call) {
        return {
          region: regionView(await requireRegion(env, call.params.region_id), linkBase(env, call)),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/regions/:region_id',
      policy: 'identity:update_region',
      schema: { body: UpdateBody, params: Params },
      async handler(call) {
        const input = call.body.region as RegionInput;
        const id = call.params.region_id;
        requireMatchingId(input, id);
        const current = await requireRegion(env, id);
        let parentRegionId = current.parentRegionId;
        if (input.parent_region_id !== undefined) {
          parentRegionId = input.parent_region_id;
          if (parentRegionId !== null) {
            await requireRegion(env, parentRegionId);
            if (await wouldCreateCycle(env.db, id, parentRegionId)) {
              throw identityErrors.validation(
                `The specified parent region ${parentRegionId} would create a circular region hierarchy.`,
              );
            }
          }
        }
        const updated: Region = {
          id,
          description:
            input.description === undefined ? current.description : (input.description ?? ''),
          parentRegionId,
          extra: { ...current.extra, ...extraOf(input, KNOWN) },
        };
        await updateRegionRow(env.db, updated);
        return { region: regionView(updated, linkBase(env, call)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/regions/:region_id',
      policy: 'identity:delete_region',
      schema: { params: Params },
      status: 204,
      async handler(call) {
        const id = call.params.region_id;
        await requireRegion(env, id);
        // Child regions go with their parent, unless anything in the subtree is still used.
        await env.db.transaction().execute(async (trx) => {
          const subtree = await regionSubtree(trx, id);
          const usage = await regionUsage(trx, subtree);
          if (usage.endpoints > 0) {
            throw identityErrors.forbiddenAction(
              `Unable to delete region ${id} because it or its child regions have associated endpoints.`,
            );
          }
          if (usage.registeredLimits > 0) {
            throw identityErrors.forbiddenAction(
              `Unable to delete region ${id} because it or its child regions have registered limits.`,
            );
          }
          await deleteRegions(trx, subtree);
        });
        return undefined;
      },
    }),
  ];
}
