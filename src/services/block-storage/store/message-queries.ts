import type { Kysely } from 'kysely';
import { toDbTime } from '../../../core/db/index.ts';
import type { BlockStorageDb } from './db.ts';
import type { BlockStorageTables, MessageTable } from './tables.ts';
import { applyWindow, type ListWindow } from './list-query.ts';

type Db = BlockStorageDb | Kysely<BlockStorageTables>;

export type MessageRow = MessageTable;

/**
 * Reading and removing user messages (GET and DELETE /messages); they are written by
 * store/messages.ts wherever an operation fails after its request was answered.
 */
export async function getMessage(db: Db, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('block_storage_message').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Exact-match filters of GET /messages (Cinder's resource_filters for `message`). */
export const MESSAGE_FILTER_COLUMNS = [
  'resource_uuid',
  'resource_type',
  'event_id',
  'request_id',
  'message_level',
] as const;
export type MessageFilterColumn = (typeof MESSAGE_FILTER_COLUMNS)[number];

export interface MessageFilters {
  /** Only this project's messages; undefined lists every project's (admins). */
  readonly projectId?: string | undefined;
  readonly match?: Partial<Record<MessageFilterColumn, string>>;
}

export async function listMessages(
  db: Db,
  f: MessageFilters,
  window: ListWindow,
): Promise<MessageRow[]> {
  let q = db.selectFrom('block_storage_message').selectAll();
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  for (const [column, value] of Object.entries(f.match ?? {})) {
    if (value !== undefined) q = q.where(column as MessageFilterColumn, '=', value);
  }
  return applyWindow(q, window).execute();
}

export async function deleteMessage(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('block_storage_message').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Removes messages past their guaranteed time (Cinder's periodic message reaper). */
export async function deleteExpiredMessages(db: Db, now: Date): Promise<number> {
  const r = await db
    .deleteFrom('block_storage_message')
    .where('expires_at', '<', toDbTime(now))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
