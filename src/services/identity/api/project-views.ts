import type { Project } from '../store/projects.ts';
import { selfLink } from './views.ts';

/** A project as Keystone shows it, extra attributes included. */
export function projectView(p: Project, baseUrl: string, tags: readonly string[] = []): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.parentId,
    is_domain: p.isDomain,
    tags: [...tags],
    options: p.options,
    links: selfLink(baseUrl, `projects/${p.id}`),
  };
}
