import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  findVolumeType,
  getProjectDefaultType,
  listProjectDefaultTypes,
  setProjectDefaultType,
  unsetProjectDefaultType,
  type ProjectDefaultType,
} from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { Name } from './catalog-schemas.ts';

/** Project default types arrived in 3.62, at /v3/default-types only (never under a project). */
const VERSIONS = { min: '3.62' };
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) });
const SetBody = Type.Object({
  default_type: Type.Object({ volume_type: Name }, { additionalProperties: false }),
});

const view = (d: ProjectDefaultType) => ({
  project_id: d.projectId,
  volume_type_id: d.volumeTypeId,
});
const projectTarget = (id: string) => ({ project_id: id });

/** Per-project default volume types: what a volume of that project gets when it names no type. */
export function defaultTypeRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'PUT',
      url: '/v3/default-types/:id',
      versions: VERSIONS,
      policy: 'volume_extension:default_set_or_update',
      target: (call) => projectTarget(String((call.params as { id: string }).id)),
      schema: { params: Params, body: SetBody },
      async handler(call) {
        const t = await findVolumeType(env.db, call.body.default_type.volume_type);
        if (!t)
          throw blockStorageErrors.invalid(
            `Volume type ${call.body.default_type.volume_type} could not be found.`,
          );
        await setProjectDefaultType(env.db, call.params.id, t.id, env.now());
        return { default_type: view({ projectId: call.params.id, volumeTypeId: t.id }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/default-types/:id',
      versions: VERSIONS,
      policy: 'volume_extension:default_get',
      target: (call) => projectTarget(String((call.params as { id: string }).id)),
      schema: { params: Params },
      async handler(call) {
        const d = await getProjectDefaultType(env.db, call.params.id);
        if (!d) throw catalogErrors.projectDefaultNotFound(call.params.id);
        return { default_type: view(d) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/default-types',
      versions: VERSIONS,
      policy: 'volume_extension:default_get_all',
      async handler() {
        return { default_types: (await listProjectDefaultTypes(env.db)).map(view) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/default-types/:id',
      versions: VERSIONS,
      policy: 'volume_extension:default_unset',
      target: (call) => projectTarget(String((call.params as { id: string }).id)),
      schema: { params: Params },
      status: 204,
      async handler(call) {
        await unsetProjectDefaultType(env.db, call.params.id);
        return undefined;
      },
    }),
  ];
}
