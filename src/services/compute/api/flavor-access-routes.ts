import { Type } from 'typebox';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { CHANGES, versionRange } from '../microversions.ts';
import { addFlavorProject, flavorProjects, removeFlavorProject } from '../store/flavors.ts';
import { flavorAccessView } from './flavor-views.ts';
import { visibleFlavor } from './flavor-lookup.ts';
import { novaRoute } from './params.ts';

const FlavorParams = Type.Object({ flavor_id: Type.String({ minLength: 1 }) });
const Tenant = Type.Object(
  { tenant: Type.String({ minLength: 1, maxLength: 255 }) },
  { additionalProperties: false },
);
const ActionBody = Type.Union([
  Type.Object({ addTenantAccess: Tenant }, { additionalProperties: false }),
  Type.Object({ removeTenantAccess: Tenant }, { additionalProperties: false }),
]);
type Action = { addTenantAccess: { tenant: string } } | { removeTenantAccess: { tenant: string } };

const RULES = {
  add: 'os_compute_api:os-flavor-access:add_tenant_access',
  remove: 'os_compute_api:os-flavor-access:remove_tenant_access',
};
const chooseRule = (call: ApiCall) =>
  call.body !== null && typeof call.body === 'object' && 'removeTenantAccess' in call.body
    ? RULES.remove
    : RULES.add;

/** POST /flavors/{id}/action: addTenantAccess / removeTenantAccess; from 2.7 a public flavor refuses additions. */
function actionRoute(
  env: ComputeEnv,
  versions: { min?: string; max?: string },
  refusePublic: boolean,
): RouteSpec[] {
  return novaRoute('/flavors/:flavor_id/action', {
    method: 'POST',
    versions,
    policy: { rules: [RULES.add, RULES.remove], choose: chooseRule },
    target: () => ({}),
    schema: { params: FlavorParams, body: ActionBody },
    async handler(call) {
      const flavor = await visibleFlavor(env, call, call.params.flavor_id);
      const body = call.body as Action;
      if ('addTenantAccess' in body) {
        const project = body.addTenantAccess.tenant;
        if (refusePublic && flavor.is_public === 1)
          throw computeErrors.conflict('Can not add access to a public flavor.');
        if (!(await addFlavorProject(env.db, flavor.id, project)))
          throw computeErrors.flavorAccessExists(flavor.flavorid, project);
      } else {
        const project = body.removeTenantAccess.tenant;
        if (!(await removeFlavorProject(env.db, flavor.id, project)))
          throw computeErrors.flavorAccessNotFound(flavor.flavorid, project);
      }
      return flavorAccessView(flavor.flavorid, await flavorProjects(env.db, flavor.id));
    },
  });
}

export function flavorAccessRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...novaRoute('/flavors/:flavor_id/os-flavor-access', {
      method: 'GET',
      policy: 'os_compute_api:os-flavor-access',
      target: () => ({}),
      schema: { params: FlavorParams },
      async handler(call) {
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        if (flavor.is_public === 1)
          throw computeErrors.notFound('Access list not available for public flavors.');
        return flavorAccessView(flavor.flavorid, await flavorProjects(env.db, flavor.id));
      },
    }),
    ...actionRoute(env, versionRange(undefined, CHANGES.publicFlavorAccessConflict), false),
    ...actionRoute(env, versionRange(CHANGES.publicFlavorAccessConflict, undefined), true),
  ];
}
