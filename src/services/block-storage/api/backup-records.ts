import { fromDbJson, toDbJson, toDbTime } from '../../../core/db/index.ts';
import type { BackupDriver } from '../drivers.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { assertWithinQuota } from '../quotas.ts';
import { getBackup, insertBackup, type BackupRow } from '../store/backups.ts';
import type { Metadata } from '../store/owned-metadata.ts';
import type { Caller } from '../volumes/caller.ts';

/**
 * Backup records (GET /backups/{id}/export_record, POST /backups/import_record): what a
 * backup's database row holds, base64 JSON as Cinder's backup_url, so an operator can put
 * the row back after losing the database. The data stays where the driver stored it; the
 * record carries its location.
 */

/** Cinder's backup_service names; tools check the `cinder.backup.drivers` prefix. */
const SERVICE_NAMES: Readonly<Record<string, string>> = {
  // Chunked, compressed files in a directory: what Cinder's posix driver does.
  file: 'cinder.backup.drivers.posix.PosixBackupDriver',
};

export function backupServiceName(driver: BackupDriver): string {
  return SERVICE_NAMES[driver.name] ?? `cinder.backup.drivers.${driver.name}`;
}

/** The record's fields; names follow Cinder's backup object where it has them. */
interface BackupRecord {
  id: string;
  volume_id: string;
  snapshot_id: string | null;
  display_name: string | null;
  display_description: string | null;
  size: number;
  availability_zone: string | null;
  container: string | null;
  object_count: number;
  parent_id: string | null;
  data_timestamp: string;
  created_at: string;
  /** The driver's location of the data (Cinder keeps the driver's part in service_metadata). */
  service_metadata: Record<string, string> | null;
  /** The source volume's metadata, image metadata and bootable flag, for restores. */
  volume_meta: unknown;
  metadata: Metadata;
}

const invalidBackup = (reason: string) => blockStorageErrors.invalid(`Invalid backup: ${reason}`);
const invalidInput = (reason: string) =>
  blockStorageErrors.invalid(`Invalid input received: ${reason}`);

export function exportBackupRecord(
  driver: BackupDriver,
  b: BackupRow,
  metadata: Metadata,
): { backup_service: string; backup_url: string } {
  if (b.status !== 'available') {
    throw invalidBackup(`Backup status must be available and not ${b.status}.`);
  }
  const record: BackupRecord = {
    id: b.id,
    volume_id: b.volume_id,
    snapshot_id: b.snapshot_id,
    display_name: b.name,
    display_description: b.description,
    size: Number(b.size),
    availability_zone: b.availability_zone,
    container: b.container,
    object_count: Number(b.object_count),
    parent_id: b.parent_id,
    data_timestamp: b.data_timestamp,
    created_at: b.created_at,
    service_metadata: b.location ? fromDbJson<Record<string, string>>(b.location) : null,
    volume_meta: b.volume_meta ? fromDbJson<unknown>(b.volume_meta) : null,
    metadata,
  };
  return {
    backup_service: backupServiceName(driver),
    backup_url: Buffer.from(JSON.stringify(record)).toString('base64'),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const str = (v: unknown) => (typeof v === 'string' ? v : null);

function stringMap(v: unknown): Record<string, string> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.every(([, x]) => typeof x === 'string')) return null;
  return Object.fromEntries(entries) as Record<string, string>;
}

function decodeRecord(url: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(url)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(url, 'base64').toString('utf8'));
  } catch {
    throw invalidInput("Can't parse backup record.");
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidInput("Can't parse backup record.");
  }
  return parsed as Record<string, unknown>;
}

/**
 * import_record: a backup row from an exported record, in the caller's project, available
 * at once (its data already exists). The id is the record's, as Cinder keeps it: incremental
 * backups name their parent by id.
 */
export async function importBackupRecord(
  env: BlockStorageEnv,
  driver: BackupDriver,
  caller: Caller,
  backupService: string,
  backupUrl: string,
): Promise<BackupRow> {
  if (backupService !== backupServiceName(driver)) {
    throw invalidInput(
      `Backup service ${backupService} is not the one this cloud runs (${backupServiceName(driver)}).`,
    );
  }
  const r = decodeRecord(backupUrl);
  if (typeof r.id !== 'string' || !UUID.test(r.id)) {
    throw invalidInput('Provided backup record is missing an id');
  }
  const size = r.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw invalidInput('Provided backup record is missing size attribute');
  }
  const now = toDbTime(env.now());
  const parentId = str(r.parent_id);
  const row: BackupRow = {
    id: r.id.toLowerCase(),
    volume_id: str(r.volume_id) ?? '00000000-0000-0000-0000-000000000000',
    snapshot_id: str(r.snapshot_id),
    project_id: caller.projectId,
    user_id: caller.userId,
    name: str(r.display_name),
    description: str(r.display_description),
    size,
    status: 'available',
    fail_reason: null,
    availability_zone: str(r.availability_zone) ?? env.settings.default_availability_zone,
    container: str(r.container),
    object_count: typeof r.object_count === 'number' ? r.object_count : 0,
    is_incremental: parentId ? 1 : 0,
    // The parent link only holds while that backup exists here too.
    parent_id: parentId && (await getBackup(env.db, parentId)) ? parentId : null,
    location: stringMap(r.service_metadata) ? toDbJson(stringMap(r.service_metadata)) : null,
    data_timestamp: str(r.data_timestamp) ?? now,
    created_at: str(r.created_at) ?? now,
    updated_at: now,
    volume_meta:
      r.volume_meta !== undefined && r.volume_meta !== null ? toDbJson(r.volume_meta) : null,
    restore_volume_id: null,
  };
  await env.db.transaction().execute(async (trx) => {
    if (await getBackup(trx, row.id)) throw invalidBackup('Backup already exists in database.');
    await assertWithinQuota(trx, env.settings, caller.projectId, {
      backups: 1,
      backup_gigabytes: row.size,
    });
    await insertBackup(trx, row, stringMap(r.metadata) ?? {});
  });
  return row;
}
