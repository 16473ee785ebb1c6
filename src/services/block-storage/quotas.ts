import type { BlockStorageDb } from './store/db.ts';
import type { BlockStorageSettings } from './env.ts';
import { blockStorageErrors } from './errors.ts';

/**
 * Cinder's quota model (its own, as Zed runs it by default; not unified limits): hard limits
 * per project and resource, falling back to the `default` quota class, then to config.
 * Besides the global resources, each volume type has volumes_<type>, gigabytes_<type> and
 * snapshots_<type> (unlimited unless set).
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

/** The class every project falls back to (Cinder's `_DEFAULT_QUOTA_NAME`). */
export const DEFAULT_QUOTA_CLASS = 'default';

const PER_TYPE_PARTS = ['volumes', 'gigabytes', 'snapshots'] as const;

/** Per-type resources (volumes_<type>, gigabytes_<type>, snapshots_<type>) of every type: unlimited unless set. */
async function perTypeResources(db: BlockStorageDb): Promise<string[]> {
  const types = await db
    .selectFrom('block_storage_volume_type')
    .select('name')
    .orderBy('name')
    .execute();
  return types.flatMap((t) => PER_TYPE_PARTS.map((part) => `${part}_${t.name}`));
}

/** Every quota resource Cinder knows now: the global ones and three per volume type. */
export async function quotaResourceNames(db: BlockStorageDb): Promise<string[]> {
  return [...QUOTA_RESOURCES, ...(await perTypeResources(db))];
}

async function classRows(db: BlockStorageDb, className: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('block_storage_quota_class')
    .select(['resource', 'hard_limit'])
    .where('class_name', '=', className)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.resource, Number(r.hard_limit)]));
}

/**
 * What a project gets when it has no limit of its own, per resource: the `default` quota
 * class, else config (per-type resources: unlimited).
 */
export async function defaultLimits(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...configDefaults(settings) };
  for (const r of await perTypeResources(db)) out[r] = -1;
  const defaults = await classRows(db, DEFAULT_QUOTA_CLASS);
  for (const r of Object.keys(out)) if (r in defaults) out[r] = defaults[r]!;
  return out;
}

/** A quota class's limits: its own rows, else the defaults (Cinder's get_class_quotas). */
export async function classLimits(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
  className: string,
): Promise<Record<string, number>> {
  const out = await defaultLimits(db, settings);
  const own = await classRows(db, className);
  for (const r of Object.keys(out)) if (r in own) out[r] = own[r]!;
  return out;
}

/** Limits a project set for itself (admin-set rows only, no defaults). */
export async function projectOwnLimits(
  db: BlockStorageDb,
  projectId: string,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('block_storage_quota')
    .select(['resource', 'hard_limit'])
    .where('project_id', '=', projectId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.resource, Number(r.hard_limit)]));
}

/** Hard limits of a project, every resource: its own rows, else the default class, else config. -1 is unlimited. */
export async function hardLimits(
  db: BlockStorageDb,
  settings: BlockStorageSettings,
  projectId: string,
): Promise<Record<string, number>> {
  const out = await defaultLimits(db, settings);
  const own = await projectOwnLimits(db, projectId);
  for (const r of Object.keys(out)) if (r in own) out[r] = own[r]!;
  return out;
}

/** Sets project limits (one transaction; existing rows replaced). */
export async function setProjectLimits(
  db: BlockStorageDb,
  projectId: string,
  limits: Record<string, number>,
): Promise<void> {
  const resources = Object.keys(limits);
  if (resources.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('block_storage_quota')
      .where('project_id', '=', projectId)
      .where('resource', 'in', resources)
      .execute();
    await trx
      .insertInto('block_storage_quota')
      .values(
        resources.map((resource) => ({
          project_id: projectId,
          resource,
          hard_limit: limits[resource]!,
        })),
      )
      .execute();
  });
}

/** Forgets a project's own limits: it falls back to the defaults. */
export async function deleteProjectLimits(db: BlockStorageDb, projectId: string): Promise<void> {
  await db.deleteFrom('block_storage_quota').where('project_id', '=', projectId).execute();
}

/** Sets a quota class's limits (one transaction; existing rows replaced). */
export async function setClassLimits(
  db: BlockStorageDb,
  className: string,
  limits: Record<string, number>,
): Promise<void> {
  const resources = Object.keys(limits);
  if (resources.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('block_storage_quota_class')
      .where('class_name', '=', className)
      .where('resource', 'in', resources)
      .execute();
    await trx
      .insertInto('block_storage_quota_class')
      .values(
        resources.map((resource) => ({
          class_name: className,
          resource,
          hard_limit: limits[resource]!,
        })),
      )
      .execute();
  });
}

/** What a project uses now, per resource (volume-type specific ones included: volumes_<type>). */
export async function usage(
  db: BlockStorageDb,
  projectId: string,
): Promise<Record<string, number>> {
  const vols = await db
    .selectFrom('block_storage_volume as v')
    .innerJoin('block_storage_volume_type as t', 't.id', 'v.volume_type_id')
    .select([
      't.name as type',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('v.size').as('gb'),
    ])
    .where('v.project_id', '=', projectId)
    .groupBy('t.name')
    .execute();
  const snaps = await db
    .selectFrom('block_storage_snapshot as s')
    .innerJoin('block_storage_volume as v', 'v.id', 's.volume_id')
    .innerJoin('block_storage_volume_type as t', 't.id', 'v.volume_type_id')
    .select([
      't.name as type',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('s.size').as('gb'),
    ])
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
  // Cinder's order: the resources as asked, then their per-type twins.
  const checks: Array<[string, number]> = Object.entries(deltas).map(([r, d]) => [r, d ?? 0]);
  if (volumeType) {
    for (const [resource, delta] of Object.entries(deltas)) {
      if (['volumes', 'snapshots', 'gigabytes'].includes(resource)) checks.push([`${resource}_${volumeType}`, delta ?? 0]);
    }
  }
  for (const [resource, delta] of checks) {
    const limit = limits[resource];
    if (limit === undefined || limit < 0 || delta <= 0) continue;
    const inUse = used[resource] ?? 0;
    if (inUse + delta > limit) throw blockStorageErrors.quotaExceeded(overQuotaMessage(resource, delta, limit, inUse));
  }
}

/** Cinder's message for the quota a request goes over (quota_utils.process_reserve_over_quota). */
export function overQuotaMessage(resource: string, requested: number, limit: number, consumed: number): string {
  if (resource === 'backup_gigabytes') {
    return `Requested backup exceeds allowed Backup gigabytes quota. Requested ${requested}G, quota is ${limit}G and ${consumed}G has been consumed.`;
  }
  if (resource.startsWith('gigabytes')) {
    return `Requested volume or snapshot exceeds allowed ${resource} quota. Requested ${requested}G, quota is ${limit}G and ${consumed}G has been consumed.`;
  }
  if (resource.startsWith('volumes')) return `Maximum number of volumes allowed (${limit}) exceeded for quota '${resource}'.`;
  for (const kind of ['snapshots', 'backups', 'groups']) {
    if (resource.startsWith(kind)) return `Maximum number of ${kind} allowed (${limit}) exceeded`;
  }
  return `Unexpected over quota on ${resource}.`;
}
