import type { Role } from '../store/roles.ts';
import type { AccessRule, ApplicationCredential } from '../store/application-credentials.ts';
import { selfLink } from './views.ts';

/** A role as delegation APIs (application credentials, trusts) embed it. */
export function delegatedRoleView(r: Role): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    domain_id: r.domainId,
    description: r.description,
    options: r.options,
  };
}

export function accessRuleView(r: AccessRule, baseUrl: string): Record<string, unknown> {
  return {
    id: r.id,
    service: r.service,
    path: r.path,
    method: r.method,
    links: selfLink(baseUrl, `access_rules/${r.id}`),
  };
}

/**
 * Keystone prints an application credential's expires_at as a naive UTC time with
 * microseconds (`2026-11-25T05:08:06.123456`), unlike tokens and trusts.
 */
function naiveTime(stored: string | null): string | null {
  return stored === null ? null : stored.replace(/Z$/, '');
}

export function applicationCredentialView(
  ac: ApplicationCredential,
  roles: readonly Role[],
  accessRules: readonly AccessRule[],
  baseUrl: string,
  secret?: string,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: ac.id,
    name: ac.name,
    description: ac.description,
    user_id: ac.userId,
    project_id: ac.projectId,
    system: ac.system,
    expires_at: naiveTime(ac.expiresAtStored),
    unrestricted: ac.unrestricted,
    roles: roles.map(delegatedRoleView),
    links: selfLink(baseUrl, `application_credentials/${ac.id}`),
  };
  // Keystone shows access_rules only on credentials that have some.
  if (accessRules.length) {
    view.access_rules = accessRules.map((r) => ({
      id: r.id,
      service: r.service,
      path: r.path,
      method: r.method,
    }));
  }
  if (secret !== undefined) view.secret = secret;
  return view;
}
