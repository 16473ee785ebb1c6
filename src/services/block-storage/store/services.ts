import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, ServiceTable } from './tables.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type ServiceRow = ServiceTable;

export const VOLUME_BINARY = 'cinder-volume';
export const SCHEDULER_BINARY = 'cinder-scheduler';
export const BACKUP_BINARY = 'cinder-backup';

export interface ServiceIdentity {
  readonly host: string;
  readonly binary: string;
  readonly availabilityZone: string;
}

/**
 * Registers a service (or finds it registered by an earlier run, keeping its enabled and
 * frozen state) and stamps its heartbeat. Replicas starting together may race: the loser of
 * the insert takes the row the winner made.
 */
export async function registerService(db: Db, s: ServiceIdentity, now: Date): Promise<ServiceRow> {
  const stamp = toDbTime(now);
  const existing = await getServiceByArgs(db, s.host, s.binary);
  if (existing) {
    await db
      .updateTable('block_storage_service')
      .set({ updated_at: stamp, availability_zone: s.availabilityZone })
      .where('id', '=', existing.id)
      .execute();
    return { ...existing, updated_at: stamp, availability_zone: s.availabilityZone };
  }
  const row: ServiceRow = {
    id: randomUUID(),
    host: s.host,
    binary: s.binary,
    availability_zone: s.availabilityZone,
    disabled: 0,
    disabled_reason: null,
    frozen: 0,
    created_at: stamp,
    updated_at: stamp,
  };
  try {
    await db.insertInto('block_storage_service').values(row).execute();
    return row;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const raced = await getServiceByArgs(db, s.host, s.binary);
    if (!raced) throw err;
    return raced;
  }
}

/** Stamps the heartbeat of services this process runs. */
export async function heartbeat(db: Db, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('block_storage_service')
    .set({ updated_at: toDbTime(now) })
    .where('id', 'in', [...ids])
    .execute();
}

export async function getServiceByArgs(
  db: Db,
  host: string,
  binary: string,
): Promise<ServiceRow | undefined> {
  return db
    .selectFrom('block_storage_service')
    .selectAll()
    .where('host', '=', host)
    .where('binary', '=', binary)
    .executeTakeFirst();
}

/**
 * Whether a service host matches a host filter as Cinder's _filter_host reads it: with `#`
 * the pool part is dropped (services are per backend); with `@` the backend must match
 * exactly; a bare host name matches every backend on it.
 */
export function hostMatches(serviceHost: string, filter: string): boolean {
  const value = filter.split('#')[0]!;
  if (value.includes('@')) return serviceHost === value;
  return serviceHost === value || serviceHost.startsWith(`${value}@`);
}

export interface ServiceFilters {
  readonly host?: string | undefined;
  readonly binary?: string | undefined;
  readonly disabled?: boolean | undefined;
}

export async function listServices(db: Db, f: ServiceFilters = {}): Promise<ServiceRow[]> {
  let q = db.selectFrom('block_storage_service').selectAll();
  if (f.binary !== undefined) q = q.where('binary', '=', f.binary);
  if (f.disabled !== undefined) q = q.where('disabled', '=', f.disabled ? 1 : 0);
  const rows = await q.orderBy('binary').orderBy('host').orderBy('id').execute();
  return f.host === undefined ? rows : rows.filter((r) => hostMatches(r.host, f.host!));
}

export async function setServiceDisabled(
  db: Db,
  id: string,
  disabled: boolean,
  reason: string | null | undefined,
): Promise<void> {
  const values: Partial<ServiceRow> = { disabled: disabled ? 1 : 0 };
  if (reason !== undefined) values.disabled_reason = reason;
  await db.updateTable('block_storage_service').set(values).where('id', '=', id).execute();
}

/** Sets `frozen` only where it is still `!frozen` (Cinder's conditional update); the ids that changed. */
export async function setFrozen(
  db: Db,
  ids: readonly string[],
  frozen: boolean,
): Promise<string[]> {
  const changed: string[] = [];
  for (const id of ids) {
    const r = await db
      .updateTable('block_storage_service')
      .set({ frozen: frozen ? 1 : 0 })
      .where('id', '=', id)
      .where('frozen', '=', frozen ? 0 : 1)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) changed.push(id);
  }
  return changed;
}

/** Whether the cinder-volume service of a backend host (`host@backend[#pool]`) is frozen: no changes to its volumes then. */
export async function backendFrozen(db: Db, volumeHost: string): Promise<boolean> {
  const rows = await listServices(db, { host: volumeHost.split('#')[0]!, binary: VOLUME_BINARY });
  return rows.some((r) => r.frozen === 1);
}
