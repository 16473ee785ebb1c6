import type { PolicyDefault } from '../../../core/auth/policy/index.ts';
import { ADMIN_API, ANYONE } from './cinder-checks.ts';

const rule = (name: string, check: string, description: string): PolicyDefault => ({
  name,
  check,
  description,
});

/**
 * Services, hosts, pools and capabilities (services.py, hosts.py, scheduler_stats.py,
 * capabilities.py): admin only. Availability zones and the extension list have no rule in
 * Cinder (any authenticated caller); strata names one for each so every route has a rule.
 */
export const servicesPolicies: readonly PolicyDefault[] = [
  rule('volume_extension:services:index', ADMIN_API, 'GET /os-services'),
  rule(
    'volume_extension:services:update',
    ADMIN_API,
    'PUT /os-services/{enable|disable|disable-log-reason}',
  ),
  rule('volume:freeze_host', ADMIN_API, 'PUT /os-services/freeze'),
  rule('volume:thaw_host', ADMIN_API, 'PUT /os-services/thaw'),
  rule(
    'volume:failover_host',
    ADMIN_API,
    'PUT /os-services/failover_host, PUT /os-services/failover (3.26)',
  ),
  rule('volume_extension:hosts', ADMIN_API, 'GET /os-hosts, GET and PUT /os-hosts/{host_name}'),
  rule(
    'scheduler_extension:scheduler_stats:get_pools',
    ADMIN_API,
    'GET /scheduler-stats/get_pools',
  ),
  rule('volume_extension:capabilities', ADMIN_API, 'GET /capabilities/{host_name}'),
  rule(
    'volume_extension:availability_zone:list',
    ANYONE,
    'GET /os-availability-zone (strata name: Cinder checks no rule)',
  ),
  rule(
    'volume_extension:extensions:list',
    ANYONE,
    'GET /extensions (strata name: Cinder checks no rule)',
  ),
];
