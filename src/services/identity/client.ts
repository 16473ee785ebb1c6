import type { IdentityDb } from './store/db.ts';
import { effectiveProjectLimits } from './store/limits.ts';

/**
 * What other services ask the identity service. Compute, block storage and image read
 * their quotas here (Keystone's unified limits, as oslo.limit does). This in-process
 * implementation reads the identity store directly; a remote one would call
 * /v3/registered_limits and /v3/limits with a service token, behind the same interface.
 */
export interface IdentityClient {
  /**
   * The limits of a project for one service type: resource_name -> limit (-1 unlimited).
   * A project's own limit wins over the registered default; resources with neither are
   * absent. With a region, limits registered for it win over region-less ones.
   */
  getLimits(
    projectId: string,
    serviceType: string,
    opts?: { regionId?: string },
  ): Promise<Record<string, number>>;
}

/** The client for services running in the same process as identity. */
export function inProcessIdentityClient(db: IdentityDb): IdentityClient {
  return {
    async getLimits(projectId, serviceType, opts = {}) {
      const services = await db
        .selectFrom('identity_service')
        .select('id')
        .where('type', '=', serviceType)
        .execute();
      const limits = await effectiveProjectLimits(
        db,
        projectId,
        services.map((s) => s.id),
        opts.regionId,
      );
      return Object.fromEntries(limits);
    },
  };
}

/** Token validation for services whose identity runs in another process. */
export { HttpTokenValidator, authContextFromTokenBody, type ServiceCredentials } from './http-token-validator.ts';
