import type { ApiCall } from '../../../core/http/index.ts';
import type { ExtraSpecs, VolumeTypeRow } from '../store/volume-types.ts';
import { callerTarget } from './project-paths.ts';

/** Extra specs any project may read; the rest are for read_sensitive callers (Cinder's USER_VISIBLE_EXTRA_SPECS). */
export const USER_VISIBLE_EXTRA_SPECS = [
  'RESKEY:availability_zones',
  'multiattach',
  'replication_enabled',
] as const;

/** The extra specs this caller may read. */
export function visibleExtraSpecs(call: ApiCall, specs: ExtraSpecs): ExtraSpecs {
  if (call.can('volume_extension:types_extra_specs:read_sensitive', callerTarget(call)))
    return specs;
  const out: ExtraSpecs = {};
  for (const key of USER_VISIBLE_EXTRA_SPECS) if (key in specs) out[key] = specs[key]!;
  return out;
}

/** GET /types and /types/{id}: extra specs and qos_specs_id as policy allows, plus the access extension's flag. */
export function volumeTypeView(
  call: ApiCall,
  t: VolumeTypeRow,
  specs: ExtraSpecs,
): Record<string, unknown> {
  const target = callerTarget(call);
  const view: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    is_public: t.is_public === 1,
    description: t.description,
  };
  if (call.can('volume_extension:access_types_extra_specs', target))
    view.extra_specs = visibleExtraSpecs(call, specs);
  if (call.can('volume_extension:access_types_qos_specs_id', target))
    view.qos_specs_id = t.qos_specs_id;
  if (call.can('volume_extension:volume_type_access', target))
    view['os-volume-type-access:is_public'] = t.is_public === 1;
  return view;
}

/**
 * POST and PUT /types answer with Cinder's older view (every extra spec, no qos_specs_id);
 * create adds the access extension's flag, update does not.
 */
export function volumeTypeManageView(
  call: ApiCall,
  t: VolumeTypeRow,
  specs: ExtraSpecs,
  opts: { accessFlag: boolean },
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    is_public: t.is_public === 1,
    extra_specs: specs,
    description: t.description,
  };
  if (opts.accessFlag && call.can('volume_extension:volume_type_access', callerTarget(call))) {
    view['os-volume-type-access:is_public'] = t.is_public === 1;
  }
  return view;
}
