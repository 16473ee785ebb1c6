import type { Group } from '../store/groups.ts';
import { selfLink } from './views.ts';

/** A group as Keystone shows it, extra attributes merged in. */
export function groupView(g: Group, baseUrl: string): Record<string, unknown> {
  return {
    ...g.extra,
    id: g.id,
    name: g.name,
    domain_id: g.domainId,
    description: g.description,
    links: selfLink(baseUrl, `groups/${g.id}`),
  };
}

/** A group in GET /v3/users/{user_id}/groups: plain memberships never expire. */
export function userGroupView(g: Group, baseUrl: string): Record<string, unknown> {
  return { ...groupView(g, baseUrl), membership_expires_at: null };
}
