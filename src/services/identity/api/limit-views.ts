import type { Limit, RegisteredLimit } from '../store/limits.ts';
import { selfLink } from './views.ts';

export function registeredLimitView(r: RegisteredLimit, baseUrl: string): Record<string, unknown> {
  return {
    id: r.id,
    service_id: r.serviceId,
    region_id: r.regionId,
    resource_name: r.resourceName,
    default_limit: r.defaultLimit,
    description: r.description,
    links: selfLink(baseUrl, `registered_limits/${r.id}`),
  };
}

export function limitView(l: Limit, baseUrl: string): Record<string, unknown> {
  return {
    id: l.id,
    project_id: l.projectId,
    domain_id: l.domainId,
    service_id: l.serviceId,
    region_id: l.regionId,
    resource_name: l.resourceName,
    resource_limit: l.resourceLimit,
    description: l.description,
    links: selfLink(baseUrl, `limits/${l.id}`),
  };
}
