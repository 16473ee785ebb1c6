import type { RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { userRoutes } from './user-routes.ts';
import { groupRoutes } from './group-routes.ts';
import { projectRoutes } from './project-routes.ts';
import { domainRoutes } from './domain-routes.ts';
import { projectTagRoutes } from './project-tag-routes.ts';
import { domainConfigRoutes } from './domain-config-routes.ts';
import { roleRoutes } from './role-routes.ts';
import { impliedRoleRoutes } from './implied-role-routes.ts';
import { grantRoutes } from './grant-routes.ts';
import { roleAssignmentRoutes } from './role-assignment-routes.ts';
import { regionRoutes } from './region-routes.ts';
import { serviceRoutes } from './service-routes.ts';
import { endpointRoutes } from './endpoint-routes.ts';
import { endpointFilterRoutes } from './endpoint-filter-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import { limitRoutes } from './limit-routes.ts';
import { credentialRoutes } from './credential-routes.ts';
import { ec2Routes } from './ec2-routes.ts';
import { applicationCredentialRoutes } from './application-credential-routes.ts';
import { accessRuleRoutes } from './access-rule-routes.ts';
import { trustRoutes } from './trust-routes.ts';
import { oauthConsumerRoutes } from './oauth-consumer-routes.ts';

/** Every route of the identity API, one module per resource family. */
export function identityRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    discoveryRoutes,
    authRoutes,
    userRoutes,
    groupRoutes,
    projectRoutes,
    domainRoutes,
    projectTagRoutes,
    domainConfigRoutes,
    roleRoutes,
    impliedRoleRoutes,
    grantRoutes,
    roleAssignmentRoutes,
    regionRoutes,
    serviceRoutes,
    endpointRoutes,
    endpointFilterRoutes,
    policyRoutes,
    limitRoutes,
    credentialRoutes,
    ec2Routes,
    applicationCredentialRoutes,
    accessRuleRoutes,
    trustRoutes,
    oauthConsumerRoutes,
  ].flatMap((routes) => routes(env));
}
