import type { UserListing } from '../store/users.ts';
import { selfLink } from './views.ts';

/**
 * Keystone prints password_expires_at as a naive UTC time with microseconds and no zone:
 * 2016-11-06T15:32:17.000000.
 */
export function passwordExpiryTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`;
}

/**
 * A user as Keystone shows it: extra attributes merged in, `description` and
 * `default_project_id` only when set, `options` and `password_expires_at` always.
 */
export function userView(
  { user: u, passwordExpiresAt }: UserListing,
  baseUrl: string,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    password_expires_at: passwordExpiresAt ? passwordExpiryTime(passwordExpiresAt) : null,
    options: { ...u.options },
    links: selfLink(baseUrl, `users/${u.id}`),
  };
  if (u.defaultProjectId !== null) view.default_project_id = u.defaultProjectId;
  if (u.description !== null) view.description = u.description;
  return view;
}
