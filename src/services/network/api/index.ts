import type { RouteSpec } from '../../../core/http/index.ts';
import type { NetworkEnv } from '../env.ts';
import { extensionRoutes } from './extension-routes.ts';
import { networkRoutes } from './network-routes.ts';
import { portRoutes } from './port-routes.ts';
import { securityGroupRoutes } from './security-group-routes.ts';
import { floatingIpRoutes } from './floatingip-routes.ts';
import { routerInterfaceRoutes } from './router-interface-routes.ts';
import { routerRoutes } from './router-routes.ts';
import { quotaRoutes } from './quota-routes.ts';
import { securityGroupRuleRoutes } from './security-group-rule-routes.ts';
import { subnetRoutes } from './subnet-routes.ts';
import { tagRoutes } from './tag-routes.ts';

export function networkApiRoutes(env: NetworkEnv): RouteSpec[] {
  return [
    ...extensionRoutes(), ...networkRoutes(env), ...subnetRoutes(env), ...portRoutes(env), ...securityGroupRoutes(env), ...securityGroupRuleRoutes(env),
    ...routerRoutes(env),
    ...routerInterfaceRoutes(env),
    ...floatingIpRoutes(env),
    ...quotaRoutes(env),
    ...tagRoutes(env),
  ];
}
