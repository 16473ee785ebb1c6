import type { BlockStorageDb } from './store/db.ts';
import type { BlockStorageSettings } from './env.ts';
import { blockStorageErrors } from './errors.ts';

/**
 * Cinder's quota model (its own, as Zed runs it by default; not unified limits): hard limits
 * per project and resource, falling back to the `default` quota class, then to config.
 * Usage is counted from the resource tables inside the caller's transaction, so a check
 * and the insert it guards see the same state (no separate usage table to drift).
 */
export const QUOTA_RESOURCES = [
  'volumes',
  'snapshots',
  'gigabytes',
  'backups',
  'backup_gigabytes',
  'groups',
  'per_volume_gigabytes',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export function configDefaults(s: BlockStorageSettings): Record<QuotaResource, number> {
  return {
    volumes: s.quota_volumes,
    snapshots: s.quota_snapshots,
    gigabytes: s.quota_gigabytes,
    backups: s.quota_backups,
    backup_gigabytes: s.quota_backup_gigabytes,
    groups: s.quota_groups,
    per_volume_gigabytes: s.per_volume_size_limit,
  };
}

/** Hard limits of a project: its own rows, else the default class, else config. -1 is unlimited. */
export async function hardLimits(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
  projectId: string,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('block_storage_quota')
    .select(['project_id', 'resource', 'hard_limit'])
    .where('project_id', 'in', [projectId, 'default'])
    .execute();
  const out: Record<string, number> = { ...configDefaults(settings) };
  for (const r of rows.filter((r) => r.project_id === 'default')) out[r.resource] = Number(r.hard_limit);
  for (const r of rows.filter((r) => r.project_id === projectId)) out[r.resource] = Number(r.hard_limit);
  return out;
}

/** What a project uses now, per resource (volume-type specific ones included: volumes_<type>). */
export async function usage(db: BlockStorageDb, projectId: string): Promise<Record<string, number>> {
  const vols = await db
    .selectFrom('block_storage_volume as v')
    .innerJoin('block_storage_volume_type as t', 't.id', 'v.volume_type_id')
    .select(['t.name as type', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('v.size').as('gb')])
    .where('v.project_id', '=', projectId)
    .groupBy('t.name')
    .execute();
  const snaps = await db
    .selectFrom('block_storage_snapshot as s')
    .innerJoin('block_storage_volume as v', 'v.id', 's.volume_id')
    .innerJoin('block_storage_volume_type as t', 't.id', 'v.volume_type_id')
    .select(['t.name as type', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('s.size').as('gb')])
    .where('s.project_id', '=', projectId)
    .groupBy('t.name')
    .execute();
  const backups = await db
    .selectFrom('block_storage_backup')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  const groups = await db
    .selectFrom('block_storage_group')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  const u: Record<string, number> = {
    volumes: 0,
    snapshots: 0,
    gigabytes: 0,
    backups: Number(backups?.n ?? 0),
    backup_gigabytes: Number(backups?.gb ?? 0),
    groups: Number(groups?.n ?? 0),
  };
  for (const r of vols) {
    u.volumes! += Number(r.n);
    u.gigabytes! += Number(r.gb ?? 0);
    u[`volumes_${r.type}`] = Number(r.n);
    u[`gigabytes_${r.type}`] = Number(r.gb ?? 0);
  }
  for (const r of snaps) {
    u.snapshots! += Number(r.n);
    u.gigabytes! += Number(r.gb ?? 0);
    u[`snapshots_${r.type}`] = Number(r.n);
    u[`gigabytes_${r.type}`] = (u[`gigabytes_${r.type}`] ?? 0) + Number(r.gb ?? 0);
  }
  return u;
}

/**
 * Refuses (413, as Cinder does) when adding `deltas` would take a project over a hard limit.
 * Call it in the same transaction as the insert it guards.
 */
export async function assertWithinQuota(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
  projectId: string,
  deltas: Partial<Record<string, number>>,
  volumeType?: string,
): Promise<void> {
  const limits = await hardLimits(db, settings, projectId);
  const used = await usage(db, projectId);
  const perVolume = limits.per_volume_gigabytes ?? -1;
  const size = deltas.gigabytes ?? 0;
  if (perVolume >= 0 && size > perVolume) {
    throw blockStorageErrors.quotaExceeded(
      `Requested volume size ${size}G is larger than maximum allowed limit ${perVolume}G.`,
    );
  }
  const checks = Object.entries(deltas).flatMap(([resource, delta]) => {
    const list: Array<[string, number]> = [[resource, delta ?? 0]];
    if (volumeType && ['volumes', 'snapshots', 'gigabytes'].includes(resource)) list.push([`${resource}_${volumeType}`, delta ?? 0]);
    return list;
  });
  for (const [resource, delta] of checks) {
    const limit = limits[resource];
    if (limit === undefined || limit < 0 || delta <= 0) continue;
    const inUse = used[resource] ?? 0;
    if (inUse + delta > limit) {
      const what = resource.startsWith('gigabytes') || resource.endsWith('gigabytes')
        ? `Requested ${delta}G of ${resource} exceeds the quota: ${inUse}G of ${limit}G already used.`
        : `Maximum number of ${resource} allowed (${limit}) exceeded.`;
      throw blockStorageErrors.quotaExceeded(what);
    }
  }
}
