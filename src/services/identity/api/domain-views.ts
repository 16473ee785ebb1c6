import type { Project } from '../store/projects.ts';
import { selfLink } from './views.ts';

/** A domain as Keystone shows it (a domain is stored as a project with is_domain). */
export function domainView(d: Project, baseUrl: string, tags: readonly string[] = []): Record<string, unknown> {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: [...tags],
    options: d.options,
    links: selfLink(baseUrl, `domains/${d.id}`),
  };
}
