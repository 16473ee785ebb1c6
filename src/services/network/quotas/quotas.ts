/**
 * Neutron's quotas: a limit per project and resource (stored when set, else the configured
 * default; -1 is no limit), usage counted from the resources' own tables, and a check
 * that runs in the creating transaction, so what is counted is what that transaction
 * sees. Two API processes creating a project's last allowed resource at the same instant
 * can both succeed (as with Neutron's reservations, the count is not a lock).
 */
import { ApiError } from '../../../core/errors/index.ts';
import type { NetworkSettings } from '../env.ts';
import type { NetworkTx } from '../store/db.ts';

export const QUOTA_RESOURCES = ['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

const TABLES = {
  network: 'network_network',
  subnet: 'network_subnet',
  port: 'network_port',
  router: 'network_router',
  floatingip: 'network_floatingip',
  security_group: 'network_security_group',
  security_group_rule: 'network_security_group_rule',
} as const satisfies Record<QuotaResource, string>;

export function defaultLimits(settings: NetworkSettings): Record<QuotaResource, number> {
  return {
    network: settings.quota_network,
    subnet: settings.quota_subnet,
    port: settings.quota_port,
    router: settings.quota_router,
    floatingip: settings.quota_floatingip,
    security_group: settings.quota_security_group,
    security_group_rule: settings.quota_security_group_rule,
  };
}

export async function limitsOf(db: NetworkTx, settings: NetworkSettings, projectId: string): Promise<Record<QuotaResource, number>> {
  const limits = defaultLimits(settings);
  const rows = await db.selectFrom('network_quota').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
  for (const r of rows) if ((QUOTA_RESOURCES as readonly string[]).includes(r.resource)) limits[r.resource as QuotaResource] = r.hard_limit;
  return limits;
}

export async function usageOf(db: NetworkTx, projectId: string, resource: QuotaResource): Promise<number> {
  const row = await db
    .selectFrom(TABLES[resource])
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export const overQuota = (resources: readonly string[]) =>
  new ApiError(409, 'network.OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);

/** Refuses (409 OverQuota) when `count` more of `resource` would take the project past its limit. */
export async function enforceQuota(tx: NetworkTx, settings: NetworkSettings, projectId: string, resource: QuotaResource, count = 1): Promise<void> {
  if (projectId === '') return;
  const quota = await tx.selectFrom('network_quota').select('hard_limit').where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
  const limit = quota?.hard_limit ?? defaultLimits(settings)[resource];
  if (limit < 0) return;
  if ((await usageOf(tx, projectId, resource)) + count > limit) throw overQuota([resource]);
}
