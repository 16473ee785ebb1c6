import { Type, type TSchema } from 'typebox';
import type { RouteSpec } from '../../../core/http/index.ts';
import type { ComputeEnv } from '../env.ts';
import { computeErrors } from '../errors.ts';
import { extraSpecProblem } from '../flavors/extra-spec-validators.ts';
import { CHANGES, versionRange } from '../microversions.ts';
import { deleteExtraSpec, extraSpecsOf, setExtraSpecs, type ExtraSpecs } from '../store/flavors.ts';
import { visibleFlavor } from './flavor-lookup.ts';
import { novaRoute } from './params.ts';

const KEY_PATTERN = '^[a-zA-Z0-9-_:. ]{1,255}$';
const SpecValue = Type.Union([Type.String({ maxLength: 255 }), Type.Number(), Type.Boolean()]);
const specMap = (opts: { minProperties?: number; maxProperties?: number }): TSchema =>
  Type.Object(
    {},
    { patternProperties: { [KEY_PATTERN]: SpecValue }, additionalProperties: false, ...opts },
  );
const CreateBody = Type.Object({ extra_specs: specMap({}) }, { additionalProperties: false });
const UpdateBody = specMap({ minProperties: 1, maxProperties: 1 });
const FlavorParams = Type.Object({ flavor_id: Type.String({ minLength: 1 }) });
const KeyParams = Type.Object({
  flavor_id: Type.String({ minLength: 1 }),
  key: Type.String({ minLength: 1 }),
});

/** Values as Nova stores them: text; booleans the way Python prints them. */
function asText(specs: Record<string, string | number | boolean>, validate: boolean): ExtraSpecs {
  const out: ExtraSpecs = {};
  for (const [key, raw] of Object.entries(specs)) {
    const value = typeof raw === 'boolean' ? (raw ? 'True' : 'False') : String(raw);
    if (value.length > 255)
      throw computeErrors.invalid(`extra_specs value has more than 255 characters.`);
    const problem = validate ? extraSpecProblem(key, value) : undefined;
    if (problem) throw computeErrors.invalid(problem);
    out[key] = value;
  }
  return out;
}

function writeRoutes(
  env: ComputeEnv,
  versions: { min?: string; max?: string },
  validate: boolean,
): RouteSpec[] {
  return [
    ...novaRoute('/flavors/:flavor_id/os-extra_specs', {
      method: 'POST',
      versions,
      policy: 'os_compute_api:os-flavor-extra-specs:create',
      schema: { params: FlavorParams, body: CreateBody },
      async handler(call) {
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        const specs = asText(
          (call.body as { extra_specs: Record<string, string | number | boolean> }).extra_specs,
          validate,
        );
        await setExtraSpecs(env.db, flavor.id, specs);
        return { extra_specs: specs };
      },
    }),
    ...novaRoute('/flavors/:flavor_id/os-extra_specs/:key', {
      method: 'PUT',
      versions,
      policy: 'os_compute_api:os-flavor-extra-specs:update',
      schema: { params: KeyParams, body: UpdateBody },
      async handler(call) {
        const body = call.body as Record<string, string | number | boolean>;
        if (!(call.params.key in body))
          throw computeErrors.invalid('Request body and URI mismatch');
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        const specs = asText(body, validate);
        await setExtraSpecs(env.db, flavor.id, specs);
        return specs;
      },
    }),
  ];
}

/** /flavors/{id}/os-extra_specs: list, show, create or update (validated from 2.86), update one, delete one. */
export function flavorExtraSpecRoutes(env: ComputeEnv): RouteSpec[] {
  return [
    ...novaRoute('/flavors/:flavor_id/os-extra_specs', {
      method: 'GET',
      policy: 'os_compute_api:os-flavor-extra-specs:index',
      schema: { params: FlavorParams },
      async handler(call) {
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        return { extra_specs: (await extraSpecsOf(env.db, [flavor.id])).get(flavor.id) };
      },
    }),
    ...novaRoute('/flavors/:flavor_id/os-extra_specs/:key', {
      method: 'GET',
      policy: 'os_compute_api:os-flavor-extra-specs:show',
      schema: { params: KeyParams },
      async handler(call) {
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        const specs = (await extraSpecsOf(env.db, [flavor.id])).get(flavor.id)!;
        const value = specs[call.params.key];
        if (value === undefined)
          throw computeErrors.extraSpecNotFound(flavor.flavorid, call.params.key);
        return { [call.params.key]: value };
      },
    }),
    ...writeRoutes(env, versionRange(undefined, CHANGES.extraSpecValidation), false),
    ...writeRoutes(env, versionRange(CHANGES.extraSpecValidation, undefined), true),
    ...novaRoute('/flavors/:flavor_id/os-extra_specs/:key', {
      method: 'DELETE',
      policy: 'os_compute_api:os-flavor-extra-specs:delete',
      schema: { params: KeyParams },
      async handler(call) {
        const flavor = await visibleFlavor(env, call, call.params.flavor_id);
        if (!(await deleteExtraSpec(env.db, flavor.id, call.params.key)))
          throw computeErrors.extraSpecNotFound(flavor.flavorid, call.params.key);
        return undefined;
      },
    }),
  ];
}
