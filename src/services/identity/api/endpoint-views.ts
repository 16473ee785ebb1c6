import type { Endpoint } from '../store/endpoints.ts';
import type { EndpointGroup } from '../store/endpoint-filter.ts';
import { selfLink } from './views.ts';

/**
 * An endpoint as Keystone shows it: `region` (the pre-3.2 name) repeats `region_id`, and
 * extra attributes are merged in.
 */
export function endpointView(e: Endpoint, baseUrl: string): Record<string, unknown> {
  return {
    ...e.extra,
    id: e.id,
    interface: e.interface,
    region_id: e.regionId,
    region: e.regionId,
    service_id: e.serviceId,
    url: e.url,
    enabled: e.enabled,
    links: selfLink(baseUrl, `endpoints/${e.id}`),
  };
}

export function endpointGroupView(g: EndpointGroup, baseUrl: string): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    filters: g.filters,
    links: selfLink(baseUrl, `OS-EP-FILTER/endpoint_groups/${g.id}`),
  };
}
