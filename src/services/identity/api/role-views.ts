import type { Role } from '../store/roles.ts';
import { selfLink } from './views.ts';

/** A role as Keystone shows it: extra attributes merged in, `domain_id` null for global roles. */
export function roleView(r: Role, baseUrl: string): Record<string, unknown> {
  return {
    ...r.extra,
    id: r.id,
    name: r.name,
    domain_id: r.domainId,
    description: r.description,
    options: r.options,
    links: selfLink(baseUrl, `roles/${r.id}`),
  };
}

/** The short form implied-role responses use for both ends of a rule. */
export function roleRefView(
  r: Pick<Role, 'id' | 'name'>,
  baseUrl: string,
): Record<string, unknown> {
  return { id: r.id, links: selfLink(baseUrl, `roles/${r.id}`), name: r.name };
}
