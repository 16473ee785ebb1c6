import { Type } from 'typebox';
import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import {
  deleteExtraSpec,
  extraSpecsOfType,
  setExtraSpecs,
  volumeTypeInUse,
} from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { specsObject, SpecsNoSpaces, specValues } from './catalog-schemas.ts';
import { projectScoped } from './project-paths.ts';
import { visibleExtraSpecs } from './volume-type-views.ts';
import { visibleVolumeType } from './volume-type-lookup.ts';
import { blockStorageErrors } from '../errors.ts';

const TypeParams = Type.Object({ type_id: Type.String({ minLength: 1, maxLength: 255 }) });
const KeyParams = Type.Object({
  type_id: Type.String({ minLength: 1, maxLength: 255 }),
  key: Type.String({ minLength: 1, maxLength: 255 }),
});

const CreateBody = Type.Object({ extra_specs: SpecsNoSpaces }, { additionalProperties: false });
/** PUT .../extra_specs/{key} takes exactly one pair, the key of the URL. */
const UpdateBody = Type.Intersect([
  specsObject(
    '^[a-zA-Z0-9-_:.]{1,255}$',
    Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
  ),
  Type.Object({}, { minProperties: 1, maxProperties: 1 }),
]);

/** Cinder refuses to change the specs of a type volumes already use (their backends were chosen by them). */
async function assertTypeUnused(env: BlockStorageEnv, typeId: string): Promise<void> {
  if (await volumeTypeInUse(env.db, typeId)) throw catalogErrors.volumeTypeSpecsInUse();
}

export function extraSpecRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/types/:type_id/extra_specs', {
      method: 'GET',
      policy: 'volume_extension:types_extra_specs:index',
      schema: { params: TypeParams },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        return { extra_specs: visibleExtraSpecs(call, await extraSpecsOfType(env.db, t.id)) };
      },
    }),
    ...projectScoped('/types/:type_id/extra_specs', {
      method: 'POST',
      policy: 'volume_extension:types_extra_specs:create',
      schema: { params: TypeParams, body: CreateBody },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        await assertTypeUnused(env, t.id);
        await setExtraSpecs(env.db, t.id, specValues(call.body.extra_specs));
        return { extra_specs: call.body.extra_specs };
      },
    }),
    ...projectScoped('/types/:type_id/extra_specs/:key', {
      method: 'GET',
      policy: 'volume_extension:types_extra_specs:show',
      schema: { params: KeyParams },
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        const specs = visibleExtraSpecs(call, await extraSpecsOfType(env.db, t.id));
        const key = call.params.key;
        if (!(key in specs)) throw catalogErrors.extraSpecNotFound(t.id, key);
        return { [key]: specs[key] };
      },
    }),
    ...projectScoped('/types/:type_id/extra_specs/:key', {
      method: 'PUT',
      policy: 'volume_extension:types_extra_specs:update',
      schema: { params: KeyParams, body: UpdateBody },
      async handler(call) {
        const body = call.body as Record<string, string | null>;
        const t = await visibleVolumeType(env, call, call.params.type_id);
        await assertTypeUnused(env, t.id);
        if (!(call.params.key in body))
          throw blockStorageErrors.invalid('Request body and URI mismatch');
        await setExtraSpecs(env.db, t.id, specValues(body));
        return body;
      },
    }),
    ...projectScoped('/types/:type_id/extra_specs/:key', {
      method: 'DELETE',
      policy: 'volume_extension:types_extra_specs:delete',
      schema: { params: KeyParams },
      status: 202,
      async handler(call) {
        const t = await visibleVolumeType(env, call, call.params.type_id);
        await assertTypeUnused(env, t.id);
        if (!(await deleteExtraSpec(env.db, t.id, call.params.key))) {
          throw catalogErrors.extraSpecNotFound(t.id, call.params.key);
        }
        return undefined;
      },
    }),
  ];
}
