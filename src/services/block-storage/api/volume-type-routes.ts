import { Type } from 'typebox';
import type { RouteSpec } from '../../../core/http/index.ts';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  deleteVolumeType,
  extraSpecsOf,
  extraSpecsOfType,
  getVolumeType,
  insertVolumeType,
  listVolumeTypes,
  projectsDefaultingTo,
  updateVolumeType,
  volumeTypeInUse,
  VolumeTypeNameTaken,
  type ExtraSpecs,
  type VolumeTypeRow,
} from '../store/volume-types.ts';
import { defaultVolumeTypeRef } from '../store/volume-type-refs.ts';
import { catalogErrors } from '../catalog-errors.ts';
import {
  CinderBool,
  cinderBool,
  Description,
  Name,
  SpecsWithNull,
  specValues,
} from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callProject, projectScoped } from './project-paths.ts';
import { isAdminCall } from './volume-access.ts';
import { existingVolumeType, visibleVolumeType } from './volume-type-lookup.ts';
import { volumeTypeManageView, volumeTypeView } from './volume-type-views.ts';
import { extraSpecRoutes } from './volume-type-extra-spec-routes.ts';
import { volumeTypeAccessRoutes } from './volume-type-access-routes.ts';
import { encryptionTypeRoutes } from './encryption-type-routes.ts';
import { defaultTypeRoutes } from './default-type-routes.ts';

const TypeParams = Type.Object({ type_id: Type.String({ minLength: 1, maxLength: 255 }) });

const CreateBody = Type.Object(
  {
    volume_type: Type.Object(
      {
        name: Name,
        description: Type.Optional(Description),
        extra_specs: Type.Optional(Type.Union([SpecsWithNull, Type.Null()])),
        'os-volume-type-access:is_public': Type.Optional(CinderBool),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    volume_type: Type.Object(
      {
        name: Type.Optional(
          Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
        ),
        description: Type.Optional(Description),
        is_public: Type.Optional(CinderBool),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  name: { column: 'name' },
  is_public: { column: 'is_public' },
  description: { column: 'description', nullable: true },
};

/** is_public as Cinder's _parse_is_public reads it: absent = public only, `none` = all, else a strict boolean. */
export function parseIsPublicFilter(raw: string | undefined): boolean | null {
  if (raw === undefined) return true;
  const v = raw.trim().toLowerCase();
  if (v === 'none') return null;
  if (['1', 'true', 't', 'yes', 'y', 'on'].includes(v)) return true;
  if (['0', 'false', 'f', 'no', 'n', 'off'].includes(v)) return false;
  throw blockStorageErrors.invalid(`Invalid is_public filter [${raw}]`);
}

/** `extra_specs={'k': 'v'}` as Cinder reads it (a Python literal, or JSON). */
function parseExtraSpecsFilter(raw: string | undefined): ExtraSpecs | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.replace(/'/g, '"'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // Cinder then treats the text as a dictionary string it cannot match.
  }
  throw blockStorageErrors.invalid(`Invalid extra_specs filter [${raw}]`);
}

function typesRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/types', {
      method: 'GET',
      policy: 'volume_extension:type_get_all',
      async handler(call) {
        const isAdmin = isAdminCall(call);
        // Only admins choose: everyone else sees public types and the private ones they were given.
        const isPublic = isAdmin
          ? parseIsPublicFilter(singleFilter(call.query, 'is_public'))
          : true;
        const extraSpecs = isAdmin
          ? parseExtraSpecsFilter(singleFilter(call.query, 'extra_specs'))
          : undefined;
        const params = parseCinderList(call, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        let marker: VolumeTypeRow | undefined;
        if (params.markerId !== undefined) {
          marker = await getVolumeType(env.db, params.markerId);
          if (!marker) throw blockStorageErrors.volumeTypeNotFound(params.markerId);
        }
        const rows = await listVolumeTypes(
          env.db,
          { isPublic, projectId: projectIdOf(call.ctx.auth), extraSpecs },
          listWindow(params, marker),
        );
        const specs = await extraSpecsOf(
          env.db,
          rows.map((r) => r.id),
        );
        const body: Record<string, unknown> = {
          volume_types: rows.map((r) => volumeTypeView(call, r, specs.get(r.id)!)),
        };
        const links =
          call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
        if (links) body.volume_type_links = links;
        return body;
      },
    }),
    ...projectScoped('/types/:type_id', {
      method: 'GET',
      policy: 'volume_extension:type_get',
      schema: { params: TypeParams },
      async handler(call) {
        let t: VolumeTypeRow;
        if (call.params.type_id === 'default') {
          const ref = await defaultVolumeTypeRef(
            env.db,
            callProject(call),
            env.settings.default_volume_type,
          );
          const row = ref ? await getVolumeType(env.db, ref.id) : undefined;
          if (!row) throw blockStorageErrors.volumeTypeNotFound('default');
          t = row;
        } else {
          t = await visibleVolumeType(env, call, call.params.type_id);
        }
        return { volume_type: volumeTypeView(call, t, await extraSpecsOfType(env.db, t.id)) };
      },
    }),
    ...projectScoped('/types', {
      method: 'POST',
      policy: 'volume_extension:type_create',
      schema: { body: CreateBody },
      async handler(call) {
        const input = call.body.volume_type;
        const flag = input['os-volume-type-access:is_public'];
        const specs = specValues(input.extra_specs);
        try {
          const row = await insertVolumeType(
            env.db,
            {
              name: input.name,
              description: input.description ?? null,
              isPublic: flag === undefined ? true : cinderBool(flag),
              extraSpecs: specs,
            },
            env.now(),
          );
          return { volume_type: volumeTypeManageView(call, row, specs, { accessFlag: true }) };
        } catch (err) {
          if (err instanceof VolumeTypeNameTaken) throw catalogErrors.volumeTypeExists(input.name);
          throw err;
        }
      },
    }),
    ...projectScoped('/types/:type_id', {
      method: 'PUT',
      policy: 'volume_extension:type_update',
      schema: { params: TypeParams, body: UpdateBody },
      async handler(call) {
        const input = call.body.volume_type;
        const name = input.name ?? undefined;
        if (name !== undefined && name.trim() === '')
          throw blockStorageErrors.invalid('Volume type name can not be empty.');
        if (
          name === undefined &&
          (input.description ?? null) === null &&
          input.is_public === undefined
        ) {
          throw blockStorageErrors.invalid(
            'Specify volume type name, description, is_public or a combination thereof.',
          );
        }
        const t = await existingVolumeType(env, call.params.type_id);
        try {
          await updateVolumeType(env.db, t, {
            name,
            description: input.description ?? undefined,
            isPublic: input.is_public === undefined ? undefined : cinderBool(input.is_public),
          });
        } catch (err) {
          if (err instanceof VolumeTypeNameTaken)
            throw catalogErrors.volumeTypeExists(err.typeName);
          throw err;
        }
        const updated = (await getVolumeType(env.db, t.id))!;
        return {
          volume_type: volumeTypeManageView(call, updated, await extraSpecsOfType(env.db, t.id), {
            accessFlag: false,
          }),
        };
      },
    }),
    ...projectScoped('/types/:type_id', {
      method: 'DELETE',
      policy: 'volume_extension:type_delete',
      schema: { params: TypeParams },
      status: 202,
      async handler(call) {
        const t = await existingVolumeType(env, call.params.type_id);
        if (
          (await projectsDefaultingTo(env.db, t.id)).length > 0 ||
          t.name === env.settings.default_volume_type
        ) {
          throw catalogErrors.defaultTypeDeletion(t.id);
        }
        if (await volumeTypeInUse(env.db, t.id)) throw catalogErrors.volumeTypeInUse();
        await deleteVolumeType(env.db, t);
        return undefined;
      },
    }),
  ];
}

/** Volume types and everything hung on them: extra specs, access lists, encryption, project defaults. */
export function volumeTypeRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...typesRoutes(env),
    ...extraSpecRoutes(env),
    ...volumeTypeAccessRoutes(env),
    ...encryptionTypeRoutes(env),
    ...defaultTypeRoutes(env),
  ];
}
