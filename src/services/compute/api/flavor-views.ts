import type { ApiCall } from '../../../core/http/index.ts';
import { CHANGES, since } from '../microversions.ts';
import type { ExtraSpecs, FlavorRow } from '../store/flavors.ts';
import { callerTarget } from './params.ts';

function links(call: ApiCall, id: string) {
  return [
    { rel: 'self', href: `${call.baseUrl}/v2.1/flavors/${encodeURIComponent(id)}` },
    { rel: 'bookmark', href: `${call.baseUrl}/flavors/${encodeURIComponent(id)}` },
  ];
}

/** Whether flavor views carry extra_specs: from 2.61, for callers the index rule allows. */
export function showsExtraSpecs(call: ApiCall): boolean {
  return (
    since(call, CHANGES.flavorExtraSpecsInView) &&
    call.can('os_compute_api:os-flavor-extra-specs:index', callerTarget(call))
  );
}

/** GET /flavors: id, name, links (and description from 2.55). */
export function flavorSummaryView(call: ApiCall, f: FlavorRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: f.flavorid,
    name: f.name,
    links: links(call, f.flavorid),
  };
  if (since(call, CHANGES.flavorDescription)) view.description = f.description;
  return view;
}

/** GET /flavors/detail, GET /flavors/{id}, and the create and update answers. */
export function flavorView(
  call: ApiCall,
  f: FlavorRow,
  specs: ExtraSpecs | undefined,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: f.flavorid,
    name: f.name,
    ram: f.memory_mb,
    disk: f.root_gb,
    vcpus: f.vcpus,
    links: links(call, f.flavorid),
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled === 1,
    // Before 2.75 a flavor without swap shows "".
    swap: f.swap === 0 && !since(call, CHANGES.flavorSwapZero) ? '' : f.swap,
    rxtx_factor: f.rxtx_factor,
    'os-flavor-access:is_public': f.is_public === 1,
  };
  if (since(call, CHANGES.flavorDescription)) view.description = f.description;
  if (specs !== undefined && showsExtraSpecs(call)) view.extra_specs = specs;
  return view;
}

export function flavorAccessView(
  flavorid: string,
  projects: readonly string[],
): Record<string, unknown> {
  return { flavor_access: projects.map((p) => ({ flavor_id: flavorid, tenant_id: p })) };
}
