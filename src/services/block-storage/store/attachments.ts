import type { Kysely } from 'kysely';
import type { BlockStorageDb } from './db.ts';
import type { AttachmentTable, BlockStorageTables } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

export type AttachmentRow = AttachmentTable;
type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export interface AttachmentFilters {
  /** Attachments of volumes owned by this project; undefined lists all (admin all_tenants). */
  readonly projectId?: string | undefined;
  readonly volumeId?: string | undefined;
  readonly attachStatus?: string | undefined;
  readonly instanceUuid?: string | undefined;
}

export async function getAttachment(db: Db, id: string): Promise<AttachmentRow | undefined> {
  return db
    .selectFrom('block_storage_attachment')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function attachmentsOfVolume(db: Db, volumeId: string): Promise<AttachmentRow[]> {
  return db
    .selectFrom('block_storage_attachment')
    .selectAll()
    .where('volume_id', '=', volumeId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Attachments of many volumes at once (volume views of a page), by volume id. */
export async function attachmentsOfVolumes(
  db: Db,
  volumeIds: readonly string[],
): Promise<Map<string, AttachmentRow[]>> {
  const out = new Map<string, AttachmentRow[]>(volumeIds.map((id) => [id, []]));
  if (volumeIds.length === 0) return out;
  const rows = await db
    .selectFrom('block_storage_attachment')
    .selectAll()
    .where('volume_id', 'in', [...volumeIds])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) out.get(r.volume_id)!.push(r);
  return out;
}

export async function listAttachments(
  db: Db,
  f: AttachmentFilters,
  window: ListWindow,
): Promise<AttachmentRow[]> {
  let q = db.selectFrom('block_storage_attachment as a').selectAll('a');
  if (f.projectId !== undefined) {
    q = q
      .innerJoin('block_storage_volume as v', 'v.id', 'a.volume_id')
      .where('v.project_id', '=', f.projectId);
  }
  if (f.volumeId !== undefined) q = q.where('a.volume_id', '=', f.volumeId);
  if (f.attachStatus !== undefined) q = q.where('a.attach_status', '=', f.attachStatus);
  if (f.instanceUuid !== undefined) q = q.where('a.instance_uuid', '=', f.instanceUuid);
  return applyWindow(q, window).execute();
}

export async function insertAttachment(db: Db, row: AttachmentRow): Promise<void> {
  await db.insertInto('block_storage_attachment').values(row).execute();
}

export async function updateAttachment(
  db: Db,
  id: string,
  values: Partial<Omit<AttachmentRow, 'id' | 'volume_id'>>,
): Promise<void> {
  await db.updateTable('block_storage_attachment').set(values).where('id', '=', id).execute();
}

export async function deleteAttachmentRow(db: Db, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('block_storage_attachment')
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Attachment statuses in the order that decides a volume's: the first present wins. */
const PRECEDENCE = ['attached', 'attaching', 'detaching', 'reserved'] as const;
const VOLUME_STATUS: Record<string, string> = { attached: 'in-use', detached: 'available' };

/**
 * The volume's status and attach_status as its remaining attachments say (Cinder's
 * _get_statuses_from_attachments): attached > attaching > detaching > reserved, errors
 * ignored, none left means available/detached.
 */
export async function statusFromAttachments(
  db: Db,
  volumeId: string,
): Promise<{ status: string; attachStatus: string }> {
  const rows = await db
    .selectFrom('block_storage_attachment')
    .select('attach_status')
    .where('volume_id', '=', volumeId)
    .execute();
  const present = new Set(rows.map((r) => r.attach_status));
  const attachStatus = PRECEDENCE.find((s) => present.has(s)) ?? 'detached';
  return { status: VOLUME_STATUS[attachStatus] ?? attachStatus, attachStatus };
}
