import { ApiError } from '../../core/errors/index.ts';
import type { FaultFormatter } from '../../core/http/index.ts';

/**
 * Keystone's fault body: {"error": {"code": 404, "title": "Not Found", "message": "..."}}.
 */
export const keystoneFault: FaultFormatter = (err) => ({
  error: { code: err.status, title: err.title, message: err.message },
});

const nf = (kind: string, code: string) => (id: string) =>
  new ApiError(404, code, `Could not find ${kind}: ${id}.`);

/** The identity service's errors, each with a stable code. Messages follow Keystone's. */
export const identityErrors = {
  userNotFound: nf('user', 'identity.user_not_found'),
  groupNotFound: nf('group', 'identity.group_not_found'),
  projectNotFound: nf('project', 'identity.project_not_found'),
  domainNotFound: nf('domain', 'identity.domain_not_found'),
  roleNotFound: nf('role', 'identity.role_not_found'),
  regionNotFound: nf('region', 'identity.region_not_found'),
  serviceNotFound: nf('service', 'identity.service_not_found'),
  endpointNotFound: nf('endpoint', 'identity.endpoint_not_found'),
  endpointGroupNotFound: nf('endpoint group', 'identity.endpoint_group_not_found'),
  credentialNotFound: nf('credential', 'identity.credential_not_found'),
  policyNotFound: nf('policy', 'identity.policy_not_found'),
  trustNotFound: nf('trust', 'identity.trust_not_found'),
  applicationCredentialNotFound: nf('application credential', 'identity.application_credential_not_found'),
  accessRuleNotFound: nf('access rule', 'identity.access_rule_not_found'),
  consumerNotFound: nf('consumer', 'identity.consumer_not_found'),
  limitNotFound: nf('limit', 'identity.limit_not_found'),
  registeredLimitNotFound: nf('registered limit', 'identity.registered_limit_not_found'),
  tokenNotFound: (detail = 'Failed to validate token') =>
    new ApiError(404, 'identity.token_not_found', `Could not find token: ${detail}.`),
  impliedRoleNotFound: (prior: string, implied: string) =>
    new ApiError(404, 'identity.implied_role_not_found', `${prior} does not imply ${implied}.`),
  roleAssignmentNotFound: () =>
    new ApiError(404, 'identity.role_assignment_not_found', 'Could not find role assignment.'),
  groupMembershipNotFound: (userId: string, groupId: string) =>
    new ApiError(404, 'identity.membership_not_found', `Could not find user ${userId} in group ${groupId}.`),
  domainConfigNotFound: (group: string, option?: string) =>
    new ApiError(
      404,
      'identity.domain_config_not_found',
      option ? `Could not find option ${option} in group ${group} of the domain configuration.` : `Could not find group ${group} in the domain configuration.`,
    ),

  duplicate: (kind: string, field: string, value: string) =>
    new ApiError(409, 'identity.conflict', `Conflict occurred attempting to store ${kind} - Duplicate entry found with ${field} ${value}.`),
  conflict: (message: string) => new ApiError(409, 'identity.conflict', message),
  validation: (message: string) => new ApiError(400, 'identity.validation_error', message),
  forbiddenAction: (message: string) => new ApiError(403, 'identity.forbidden', message),

  /** Same answer for an unknown user and a wrong password: no user enumeration. */
  authFailed: () => new ApiError(401, 'identity.auth_failed', 'The request you have made requires authentication.'),
  accountLocked: () =>
    new ApiError(401, 'identity.account_locked', 'The account is locked for user. Please try again later.'),
  passwordExpired: (userId: string) =>
    new ApiError(401, 'identity.password_expired', `The password is expired and needs to be changed for user: ${userId}.`),
  passwordRequirements: (detail: string) =>
    new ApiError(400, 'identity.password_requirements', `Password validation error: ${detail}`),
};
