import { Type } from 'typebox';
import type { RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  addVolumeTypeAccess,
  removeVolumeTypeAccess,
  volumeTypeAccess,
} from '../store/volume-types.ts';
import { catalogErrors } from '../catalog-errors.ts';
import { Uuid } from './catalog-schemas.ts';
import { projectScoped } from './project-paths.ts';
import { existingVolumeType } from './volume-type-lookup.ts';

const TypeParams = Type.Object({ type_id: Type.String({ minLength: 1, maxLength: 255 }) });
const Project = Type.Object({ project: Uuid }, { additionalProperties: false });
const ActionBody = Type.Union([
  Type.Object({ addProjectAccess: Project }, { additionalProperties: false }),
  Type.Object({ removeProjectAccess: Project }, { additionalProperties: false }),
]);

const ADD = 'volume_extension:volume_type_access:addProjectAccess';
const REMOVE = 'volume_extension:volume_type_access:removeProjectAccess';

/** Which projects may use a private type (os-volume-type-access), and the actions that change it. */
export function volumeTypeAccessRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/types/:type_id/os-volume-type-access', {
      method: 'GET',
      policy: 'volume_extension:volume_type_access:get_all_for_type',
      schema: { params: TypeParams },
      async handler(call) {
        const t = await existingVolumeType(env, call.params.type_id);
        if (t.is_public === 1) throw catalogErrors.publicTypeAccessList();
        const projects = await volumeTypeAccess(env.db, t.id);
        return {
          volume_type_access: projects.map((project_id) => ({ volume_type_id: t.id, project_id })),
        };
      },
    }),
    ...projectScoped('/types/:type_id/action', {
      method: 'POST',
      // The action decides the rule, as Cinder's wsgi action dispatch does.
      policy: {
        rules: [ADD, REMOVE],
        choose: (call) => (body(call.body).addProjectAccess !== undefined ? ADD : REMOVE),
      },
      schema: { params: TypeParams, body: ActionBody },
      status: 202,
      async handler(call) {
        const b = body(call.body);
        const t = await existingVolumeType(env, call.params.type_id);
        if (t.is_public === 1) {
          throw blockStorageErrors.invalid(
            'Invalid volume type: Type access modification is not applicable to public volume type.',
          );
        }
        if (b.addProjectAccess) {
          const project = b.addProjectAccess.project;
          if (!(await addVolumeTypeAccess(env.db, t.id, project)))
            throw catalogErrors.typeAccessExists(t.id, project);
        } else if (b.removeProjectAccess) {
          const project = b.removeProjectAccess.project;
          if (!(await removeVolumeTypeAccess(env.db, t.id, project)))
            throw catalogErrors.typeAccessNotFound(t.id, project);
        }
        return undefined;
      },
    }),
  ];
}

interface AccessAction {
  addProjectAccess?: { project: string };
  removeProjectAccess?: { project: string };
}

function body(b: unknown): AccessAction {
  return (b && typeof b === 'object' ? b : {}) as AccessAction;
}
