import { ApiError } from '../../../core/errors/index.ts';

/** Errors of roles, implied roles and grants, with Keystone's messages. */
export const roleErrors = {
  /** Keystone's InvalidImpliedRole: a prohibited implied role, or global implying domain-specific. */
  invalidImpliedRole: (roleId: string) =>
    new ApiError(403, 'identity.invalid_implied_role', `${roleId} cannot be an implied roles.`),
  domainRoleMismatch: (projectId: string, roleId: string) =>
    new ApiError(
      403,
      'identity.domain_specific_role_mismatch',
      `Project ${projectId} must be in the same domain as the role ${roleId} being assigned.`,
    ),
  domainRoleOnSystem: (roleId: string) =>
    new ApiError(
      400,
      'identity.validation_error',
      `Role ${roleId} is a domain-specific role. Unable to use a domain-specific role in a system assignment.`,
    ),
  immutableUpdate: (roleId: string) =>
    new ApiError(
      403,
      'identity.resource_update_forbidden',
      `Unable to update immutable role resource: \`${roleId}. Set resource option "immutable" to false first.`,
    ),
  immutableDelete: (roleId: string) =>
    new ApiError(
      403,
      'identity.resource_delete_forbidden',
      `Unable to delete immutable role resource: \`${roleId}. Set resource option "immutable" to false first.`,
    ),
  assignmentNotFound: (roleId: string, actorId: string, targetId: string) =>
    new ApiError(
      404,
      'identity.role_assignment_not_found',
      `Could not find role assignment with role: ${roleId}, user or group: ${actorId}, project, domain, or system: ${targetId}.`,
    ),
};
