import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import { catalogErrors } from '../catalog-errors.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  deleteGroupSpec,
  deleteGroupType,
  getGroupType,
  groupSpecsOf,
  groupTypeInUse,
  GroupTypeNameTaken,
  groupTypeVisibleTo,
  insertGroupType,
  listGroupTypes,
  setGroupSpecs,
  updateGroupType,
  type GroupSpecs,
  type GroupTypeRow,
} from '../store/group-types.ts';
import {
  CinderBool,
  cinderBool,
  Description,
  Name,
  NullableName,
  specsObject,
  specValues,
} from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callerTarget, projectScoped } from './project-paths.ts';
import { isAdminCall } from './volume-access.ts';
import { parseIsPublicFilter } from './volume-type-routes.ts';

/** Group types arrived in 3.11. */
const VERSIONS = { min: '3.11' };
const TypeParams = Type.Object({ group_type_id: Type.String({ minLength: 1, maxLength: 255 }) });
const SpecParams = Type.Object({
  group_type_id: Type.String({ minLength: 1, maxLength: 255 }),
  key: Type.String({ minLength: 1, maxLength: 255 }),
});
const SpecValue = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);
const GroupSpecsBody = specsObject('^[a-zA-Z0-9-_:.]{1,255}$', SpecValue);

const CreateBody = Type.Object(
  {
    group_type: Type.Object(
      {
        name: Name,
        description: Type.Optional(Description),
        is_public: Type.Optional(CinderBool),
        group_specs: Type.Optional(
          Type.Union([specsObject('^[a-zA-Z0-9-_:. /]{1,255}$'), Type.Null()]),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    group_type: Type.Object(
      {
        name: Type.Optional(NullableName),
        description: Type.Optional(Description),
        is_public: Type.Optional(CinderBool),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const SpecsCreateBody = Type.Object(
  { group_specs: GroupSpecsBody },
  { additionalProperties: false },
);
const SpecUpdateBody = Type.Intersect([
  GroupSpecsBody,
  Type.Object({}, { minProperties: 1, maxProperties: 1 }),
]);

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  name: { column: 'name' },
  is_public: { column: 'is_public' },
  description: { column: 'description', nullable: true },
};

function groupTypeView(call: ApiCall, t: GroupTypeRow, specs: GroupSpecs): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.is_public === 1,
  };
  if (call.can('group:access_group_types_specs', callerTarget(call))) view.group_specs = specs;
  return view;
}

/** A group type as Cinder's get_group_type finds it for this caller. */
async function visibleGroupType(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<GroupTypeRow> {
  const t = await getGroupType(env.db, id);
  if (
    !t ||
    (!isAdminCall(call) && !(await groupTypeVisibleTo(env.db, t, projectIdOf(call.ctx.auth))))
  ) {
    throw blockStorageErrors.groupTypeNotFound(id);
  }
  return t;
}

async function shown(env: BlockStorageEnv, call: ApiCall, t: GroupTypeRow) {
  return { group_type: groupTypeView(call, t, (await groupSpecsOf(env.db, [t.id])).get(t.id)!) };
}

/** Group types and their group specs (3.11). */
export function groupTypeRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/group_types', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:group_types:get_all',
      async handler(call) {
        return listTypes(env, call);
      },
    }),
    ...projectScoped('/group_types/:group_type_id', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:group_types:get',
      schema: { params: TypeParams },
      async handler(call) {
        // Cinder names no default group type unless default_group_type is configured.
        if (call.params.group_type_id === 'default')
          throw blockStorageErrors.groupTypeNotFound('default');
        return shown(env, call, await visibleGroupType(env, call, call.params.group_type_id));
      },
    }),
    ...projectScoped('/group_types', {
      method: 'POST',
      versions: VERSIONS,
      policy: 'group:group_types:create',
      schema: { body: CreateBody },
      status: 202,
      async handler(call) {
        const input = call.body.group_type;
        try {
          const row = await insertGroupType(
            env.db,
            {
              name: input.name,
              description: input.description ?? null,
              isPublic: input.is_public === undefined ? true : cinderBool(input.is_public),
              specs: specValues(input.group_specs),
            },
            env.now(),
          );
          return shown(env, call, row);
        } catch (err) {
          if (err instanceof GroupTypeNameTaken) throw catalogErrors.groupTypeExists(input.name);
          throw err;
        }
      },
    }),
    ...projectScoped('/group_types/:group_type_id', {
      method: 'PUT',
      versions: VERSIONS,
      policy: 'group:group_types:update',
      schema: { params: TypeParams, body: UpdateBody },
      async handler(call) {
        const input = call.body.group_type;
        if (typeof input.name === 'string' && input.name.trim() === '')
          throw blockStorageErrors.invalid('Group type name can not be empty.');
        const name = input.name ?? undefined;
        const description = input.description ?? undefined;
        if (name === undefined && description === undefined && input.is_public === undefined) {
          throw blockStorageErrors.invalid(
            'Specify group type name, description or a combination thereof.',
          );
        }
        const t = await getGroupType(env.db, call.params.group_type_id);
        if (!t) throw blockStorageErrors.groupTypeNotFound(call.params.group_type_id);
        try {
          await updateGroupType(env.db, t, {
            name,
            description,
            isPublic: input.is_public === undefined ? undefined : cinderBool(input.is_public),
          });
        } catch (err) {
          if (err instanceof GroupTypeNameTaken) throw catalogErrors.groupTypeExists(err.typeName);
          throw err;
        }
        return shown(env, call, (await getGroupType(env.db, t.id))!);
      },
    }),
    ...projectScoped('/group_types/:group_type_id', {
      method: 'DELETE',
      versions: VERSIONS,
      policy: 'group:group_types:delete',
      schema: { params: TypeParams },
      status: 202,
      async handler(call) {
        const t = await getGroupType(env.db, call.params.group_type_id);
        if (!t) throw blockStorageErrors.groupTypeNotFound(call.params.group_type_id);
        if (await groupTypeInUse(env.db, t.id)) throw catalogErrors.groupTypeInUse();
        await deleteGroupType(env.db, t.id);
        return undefined;
      },
    }),
    ...groupSpecRoutes(env),
  ];
}

async function listTypes(env: BlockStorageEnv, call: ApiCall) {
  const isPublic = isAdminCall(call)
    ? parseIsPublicFilter(singleFilter(call.query, 'is_public'))
    : true;
  const params = parseCinderList(call, {
    sortColumns: SORT_COLUMNS,
    maxLimit: env.settings.osapi_max_limit,
  });
  let marker: GroupTypeRow | undefined;
  if (params.markerId !== undefined) {
    marker = await getGroupType(env.db, params.markerId);
    if (!marker) throw blockStorageErrors.groupTypeNotFound(params.markerId);
  }
  const rows = await listGroupTypes(
    env.db,
    { isPublic, projectId: projectIdOf(call.ctx.auth) },
    listWindow(params, marker),
  );
  const specs = await groupSpecsOf(
    env.db,
    rows.map((r) => r.id),
  );
  const body: Record<string, unknown> = {
    group_types: rows.map((r) => groupTypeView(call, r, specs.get(r.id)!)),
  };
  const links = call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
  if (links) body.group_type_links = links;
  return body;
}

function groupSpecRoutes(env: BlockStorageEnv): RouteSpec[] {
  const specsOf = async (id: string) => (await groupSpecsOf(env.db, [id])).get(id)!;
  return [
    ...projectScoped('/group_types/:group_type_id/group_specs', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:group_types_specs:get_all',
      schema: { params: TypeParams },
      async handler(call) {
        const t = await visibleGroupType(env, call, call.params.group_type_id);
        return { group_specs: await specsOf(t.id) };
      },
    }),
    ...projectScoped('/group_types/:group_type_id/group_specs', {
      method: 'POST',
      versions: VERSIONS,
      policy: 'group:group_types_specs:create',
      schema: { params: TypeParams, body: SpecsCreateBody },
      status: 202,
      async handler(call) {
        const t = await visibleGroupType(env, call, call.params.group_type_id);
        await setGroupSpecs(env.db, t.id, specValues(call.body.group_specs));
        return { group_specs: call.body.group_specs };
      },
    }),
    ...projectScoped('/group_types/:group_type_id/group_specs/:key', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:group_types_specs:get',
      schema: { params: SpecParams },
      async handler(call) {
        const t = await visibleGroupType(env, call, call.params.group_type_id);
        const specs = await specsOf(t.id);
        if (!(call.params.key in specs))
          throw catalogErrors.groupSpecNotFound(t.id, call.params.key);
        return { [call.params.key]: specs[call.params.key] };
      },
    }),
    ...projectScoped('/group_types/:group_type_id/group_specs/:key', {
      method: 'PUT',
      versions: VERSIONS,
      policy: 'group:group_types_specs:update',
      schema: { params: SpecParams, body: SpecUpdateBody },
      async handler(call) {
        const body = call.body as Record<string, string | null>;
        const t = await visibleGroupType(env, call, call.params.group_type_id);
        if (!(call.params.key in body))
          throw blockStorageErrors.invalid('Request body and URI mismatch');
        await setGroupSpecs(env.db, t.id, specValues(body));
        return body;
      },
    }),
    ...projectScoped('/group_types/:group_type_id/group_specs/:key', {
      method: 'DELETE',
      versions: VERSIONS,
      policy: 'group:group_types_specs:delete',
      schema: { params: SpecParams },
      status: 202,
      async handler(call) {
        const t = await visibleGroupType(env, call, call.params.group_type_id);
        if (!(await deleteGroupSpec(env.db, t.id, call.params.key)))
          throw catalogErrors.groupSpecNotFound(t.id, call.params.key);
        return undefined;
      },
    }),
  ];
}
