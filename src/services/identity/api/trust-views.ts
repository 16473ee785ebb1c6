import type { Role } from '../store/roles.ts';
import type { Trust } from '../store/trusts.ts';
import { delegatedRoleView } from './application-credential-views.ts';
import { selfLink } from './views.ts';

export function trustRoleView(r: Role, baseUrl: string): Record<string, unknown> {
  return { ...delegatedRoleView(r), links: selfLink(baseUrl, `roles/${r.id}`) };
}

export function trustRolesLinks(trustId: string, baseUrl: string): Record<string, unknown> {
  return { self: `${baseUrl}/v3/OS-TRUST/trusts/${trustId}/roles`, previous: null, next: null };
}

/**
 * A trust as OS-TRUST shows it: the stored attributes (extra ones first), and with
 * `roles` the delegated roles and their collection link (lists leave both out, as
 * Keystone's do). expires_at keeps microseconds: `2026-11-25T04:08:06.123456Z`.
 */
export function trustView(
  t: Trust,
  baseUrl: string,
  roles?: readonly Role[],
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...t.extra,
    id: t.id,
    trustor_user_id: t.trustorUserId,
    trustee_user_id: t.trusteeUserId,
    project_id: t.projectId,
    impersonation: t.impersonation,
    expires_at: t.expiresAtStored,
    remaining_uses: t.remainingUses,
    deleted_at: null,
    redelegated_trust_id: t.redelegatedTrustId,
    redelegation_count: t.redelegationCount,
    links: selfLink(baseUrl, `OS-TRUST/trusts/${t.id}`),
  };
  if (roles) {
    view.roles = roles.map((r) => trustRoleView(r, baseUrl));
    view.roles_links = trustRolesLinks(t.id, baseUrl);
  }
  return view;
}
