import type { Service } from '../store/services.ts';
import { selfLink } from './views.ts';

/** A service as Keystone shows it: description and other extras merged in. */
export function serviceView(s: Service, baseUrl: string): Record<string, unknown> {
  return {
    ...s.extra,
    id: s.id,
    type: s.type,
    name: s.name,
    enabled: s.enabled,
    links: selfLink(baseUrl, `services/${s.id}`),
  };
}
