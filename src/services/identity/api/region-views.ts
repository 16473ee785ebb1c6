import type { Region } from '../store/regions.ts';
import { selfLink } from './views.ts';

/** A region as Keystone shows it, extra attributes merged in. */
export function regionView(r: Region, baseUrl: string): Record<string, unknown> {
  return {
    ...r.extra,
    id: r.id,
    description: r.description,
    parent_region_id: r.parentRegionId,
    links: selfLink(baseUrl, `regions/${encodeURIComponent(r.id)}`),
  };
}
