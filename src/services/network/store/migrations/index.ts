import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';
import * as securityGroups from './0002_security_groups.ts';
import * as routers from './0003_routers.ts';
import * as quotas from './0004_quotas.ts';

/** Network service migrations, applied in name order. Later ones: 000N_<name>.ts. */
export const networkMigrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_security_groups': securityGroups,
  '0003_routers': routers,
  '0004_quotas': quotas,
};
