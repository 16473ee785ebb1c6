import { randomUUID } from 'node:crypto';
import { Type, type TSchema } from 'typebox';
import { parseSort, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { CHANGES, versionRange } from '../microversions.ts';
import {
  deleteFlavor,
  extraSpecsOf,
  FLAVOR_SORT_COLUMNS,
  FlavorTaken,
  getFlavor,
  insertFlavor,
  listFlavors,
  updateFlavorDescription,
  type FlavorRow,
} from '../store/flavors.ts';
import { flavorSummaryView, flavorView, showsExtraSpecs } from './flavor-views.ts';
import {
  collectionLinks,
  Description,
  isAdmin,
  Name,
  NovaBoolean,
  novaBool,
  novaRoute,
  pageOf,
  queryValue,
  requireToken,
} from './params.ts';
import { viewer, visibleFlavor } from './flavor-lookup.ts';
import { flavorAccessRoutes } from './flavor-access-routes.ts';
import { flavorExtraSpecRoutes } from './flavor-extra-spec-routes.ts';

const MAX_INT = 2147483647;
/** Integers, or their decimal text, within bounds (parameter_types.flavor_param_*). */
const flavorInt = (min: number) =>
  Type.Union([
    Type.Integer({ minimum: min, maximum: MAX_INT }),
    Type.String({ pattern: '^[0-9]+$', minLength: 1 }),
  ]);
const FlavorId = Type.Union([
  Type.String({ minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' }),
  Type.Integer({ minimum: 0 }),
  Type.Null(),
]);
const RxtxFactor = Type.Union([
  Type.Number({ exclusiveMinimum: 0, maximum: 3.40282e38 }),
  Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' }),
]);

function createBody(withDescription: boolean): TSchema {
  const props: Record<string, TSchema> = {
    name: Name,
    id: Type.Optional(FlavorId),
    ram: flavorInt(1),
    vcpus: flavorInt(1),
    disk: flavorInt(0),
    'OS-FLV-EXT-DATA:ephemeral': Type.Optional(flavorInt(0)),
    swap: Type.Optional(flavorInt(0)),
    rxtx_factor: Type.Optional(RxtxFactor),
    'os-flavor-access:is_public': Type.Optional(NovaBoolean),
  };
  if (withDescription) props.description = Type.Optional(Description);
  return Type.Object(
    { flavor: Type.Object(props, { additionalProperties: false }) },
    { additionalProperties: false },
  );
}

const UpdateBody = Type.Object(
  { flavor: Type.Object({ description: Description }, { additionalProperties: false }) },
  { additionalProperties: false },
);
const FlavorParams = Type.Object({ flavor_id: Type.String({ minLength: 1 }) });

interface CreateInput {
  name: string;
  id?: string | number | null;
  ram: number | string;
  vcpus: number | string;
  disk: number | string;
  'OS-FLV-EXT-DATA:ephemeral'?: number | string;
  swap?: number | string;
  rxtx_factor?: number | string;
  'os-flavor-access:is_public'?: boolean | string;
  description?: string | null;
}

function checkedInt(field: string, v: number | string, min: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > MAX_INT) {
    throw computeErrors.invalid(
      `Invalid input for field/attribute ${field}. Value: ${v}. must be an integer between ${min} and ${MAX_INT}`,
    );
  }
  return n;
}

/** Admins choose with is_public (absent: public and shared; `none`: all); everyone else sees public and shared ones. */
function isPublicFilter(call: ApiCall): boolean | null {
  if (!isAdmin(call)) return true;
  const raw = queryValue(call, 'is_public');
  if (raw === undefined) return true;
  const v = raw.trim().toLowerCase();
  if (v === 'none') return null;
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw computeErrors.invalid(`Invalid is_public filter [${raw}]`);
}

function minFilter(call: ApiCall, name: 'minRam' | 'minDisk'): number | undefined {
  const raw = queryValue(call, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw computeErrors.invalid(`Invalid ${name} filter [${raw}]`);
  return Number(raw);
}

async function list(env: ComputeEnv, call: ApiCall, detail: boolean) {
  requireToken(call);
  const page = pageOf(call, env.settings.max_limit);
  const sort = parseSort(call.query, {
    allowed: Object.keys(FLAVOR_SORT_COLUMNS),
    defaultKeys: [{ key: 'flavorid', dir: 'asc' }],
  });
  let marker: FlavorRow | undefined;
  if (page.marker !== undefined) {
    marker = await getFlavor(env.db, page.marker, viewer(call));
    if (!marker) throw computeErrors.markerNotFound(page.marker);
  }
  const rows = await listFlavors(env.db, {
    isPublic: isPublicFilter(call),
    projectId: viewer(call).projectId,
    minRam: minFilter(call, 'minRam'),
    minDisk: minFilter(call, 'minDisk'),
    sort,
    marker,
    limit: page.limit,
  });
  const specs =
    detail && showsExtraSpecs(call)
      ? await extraSpecsOf(
          env.db,
          rows.map((r) => r.id),
        )
      : undefined;
  return {
    flavors: rows.map((r) =>
      detail ? flavorView(call, r, specs?.get(r.id)) : flavorSummaryView(call, r),
    ),
    ...collectionLinks(call, 'flavors', {
      limit: page.limit,
      count: rows.length,
      lastMarker: rows.at(-1)?.flavorid,
    }),
  };
}

function createRoute(
  env: ComputeEnv,
  versions: { min?: string; max?: string },
  withDescription: boolean,
): RouteSpec[] {
  return novaRoute('/flavors', {
    method: 'POST',
    versions,
    policy: 'os_compute_api:os-flavor-manage:create',
    schema: { body: createBody(withDescription) },
    async handler(call) {
      const input = (call.body as { flavor: CreateInput }).flavor;
      const flavorid =
        input.id === undefined || input.id === null ? randomUUID() : String(input.id);
      const rxtx = input.rxtx_factor === undefined ? 1 : Number(input.rxtx_factor);
      if (!(rxtx > 0))
        throw computeErrors.invalid(
          `Invalid input for field/attribute rxtx_factor. Value: ${input.rxtx_factor}.`,
        );
      try {
        const row = await insertFlavor(
          env.db,
          {
            flavorid,
            name: input.name,
            memoryMb: checkedInt('ram', input.ram, 1),
            vcpus: checkedInt('vcpus', input.vcpus, 1),
            rootGb: checkedInt('disk', input.disk, 0),
            ephemeralGb: checkedInt(
              'OS-FLV-EXT-DATA:ephemeral',
              input['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
              0,
            ),
            swap: checkedInt('swap', input.swap ?? 0, 0),
            rxtxFactor: rxtx,
            isPublic:
              input['os-flavor-access:is_public'] === undefined
                ? true
                : novaBool(input['os-flavor-access:is_public']),
            description: input.description ?? null,
          },
          env.now(),
        );
        return { flavor: flavorView(call, row, {}) };
      } catch (err) {
        if (err instanceof FlavorTaken)
          throw err.field === 'name'
            ? computeErrors.flavorExists(input.name)
            : computeErrors.flavorIdExists(flavorid);
        throw err;
      }
    },
  });
}

/** Flavors: list, detail, show, create, update (2.55), delete, plus access lists and extra specs. */
export function flavorRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...novaRoute('/flavors', {
      method: 'GET',
      auth: 'optional',
      policy: null,
      handler: (call) => list(env, call, false),
    }),
    ...novaRoute('/flavors/detail', {
      method: 'GET',
      auth: 'optional',
      policy: null,
      handler: (call) => list(env, call, true),
    }),
    ...novaRoute('/flavors/:flavor_id', {
      method: 'GET',
      auth: 'optional',
      policy: null,
      schema: { params: FlavorParams },
      async handler(call) {
        requireToken(call);
        const row = await visibleFlavor(env, call, call.params.flavor_id);
        const specs = showsExtraSpecs(call)
          ? (await extraSpecsOf(env.db, [row.id])).get(row.id)
          : undefined;
        return { flavor: flavorView(call, row, specs) };
      },
    }),
    ...createRoute(env, versionRange(undefined, CHANGES.flavorDescription), false),
    ...createRoute(env, versionRange(CHANGES.flavorDescription, undefined), true),
    ...novaRoute('/flavors/:flavor_id', {
      method: 'PUT',
      versions: versionRange(CHANGES.flavorDescription, undefined),
      policy: 'os_compute_api:os-flavor-manage:update',
      schema: { params: FlavorParams, body: UpdateBody },
      async handler(call) {
        const row = await visibleFlavor(env, call, call.params.flavor_id);
        await updateFlavorDescription(env.db, row.id, call.body.flavor.description, env.now());
        const updated = await visibleFlavor(env, call, call.params.flavor_id);
        return {
          flavor: flavorView(call, updated, (await extraSpecsOf(env.db, [row.id])).get(row.id)),
        };
      },
    }),
    ...novaRoute('/flavors/:flavor_id', {
      method: 'DELETE',
      status: 202,
      policy: 'os_compute_api:os-flavor-manage:delete',
      schema: { params: FlavorParams },
      async handler(call) {
        if (!(await deleteFlavor(env.db, call.params.flavor_id)))
          throw computeErrors.flavorNotFound(call.params.flavor_id);
        return undefined;
      },
    }),
    ...flavorAccessRoutes(env),
    ...flavorExtraSpecRoutes(env),
  ];
}
