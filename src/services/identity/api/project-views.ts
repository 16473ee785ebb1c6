import type { Project } from '../store/projects.ts';
import { selfLink } from './views.ts';

/**
 * A project as Keystone shows it, extra attributes included. A domain seen through the
 * projects API has no domain and no parent (Keystone stores its root sentinel, never shows it).
 */
export function projectView(
  p: Project,
  baseUrl: string,
  tags: readonly string[] = [],
): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.isDomain ? null : p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.isDomain ? null : p.parentId,
    is_domain: p.isDomain,
    tags: [...tags],
    options: p.options,
    links: selfLink(baseUrl, `projects/${p.id}`),
  };
}
