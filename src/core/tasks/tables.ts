/**
 * The two tables a service's tasks live in, `<service>_task` and `<service>_lease`. They
 * belong to the service (created by its own migration through createTaskTables), so a
 * service that runs alone on its own database carries its queue with it.
 */
import type { Kysely } from 'kysely';
import { createTable, dbTypes, textType, type SchemaHandle } from '../db/index.ts';

/** A stored task. Times follow the db conventions (fixed-width UTC text). */
export interface TaskRow {
  id: string;
  kind: string;
  resource_id: string;
  state: string;
  /** JSON object: the handler's input plus what its finished steps recorded. */
  payload: string;
  step: string | null;
  attempts: number;
  /** JSON `{ code, message }` of the last failure. */
  last_error: string | null;
  /** Not claimed before this time: when it was queued, or when its retry is due. */
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface LeaseRow {
  name: string;
  owner: string;
  lease_until: string;
  updated_at: string;
}

/** Kysely handles over the task and lease tables, whose names depend on the service. */
export type TaskDb = Kysely<Record<string, TaskRow>>;
export type LeaseDb = Kysely<Record<string, LeaseRow>>;

/** Same rule as migrateToLatest: the name prefixes table and index names. */
const SERVICE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Longest kind, step or lease name; longer ones would not fit their columns. */
export const MAX_NAME_LENGTH = 64;
export const MAX_LEASE_NAME_LENGTH = 191;

export function checkServiceName(service: string): void {
  if (!SERVICE_NAME.test(service)) {
    throw new TypeError(
      `service name ${JSON.stringify(service)} must match ${String(SERVICE_NAME)}: it prefixes table names`,
    );
  }
}

export function taskTable(service: string): string {
  return `${service}_task`;
}

export function leaseTable(service: string): string {
  return `${service}_lease`;
}

/**
 * Creates `<service>_task` and `<service>_lease`. Call it from one of the service's own
 * migrations (`await createTaskTables(db, 'block_storage')`); later changes to these
 * tables will come as further helpers for later migrations, never as edits to this one.
 */
export async function createTaskTables(db: SchemaHandle, service: string): Promise<void> {
  checkServiceName(service);
  const task = taskTable(service);
  await createTable(db, task)
    .addColumn('id', dbTypes.id, (c) => c.primaryKey())
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_id', dbTypes.id, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('payload', textType(db), (c) => c.notNull())
    .addColumn('step', 'varchar(64)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', textType(db))
    .addColumn('not_before', dbTypes.time, (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', dbTypes.time)
    .addColumn('created_at', dbTypes.time, (c) => c.notNull())
    .addColumn('updated_at', dbTypes.time, (c) => c.notNull())
    .execute();
  // The claim query: due tasks by state and time.
  await db.schema
    .createIndex(`${task}_due_idx`)
    .on(task)
    .columns(['state', 'not_before'])
    .execute();
  await db.schema.createIndex(`${task}_resource_idx`).on(task).column('resource_id').execute();

  await createTable(db, leaseTable(service))
    .addColumn('name', `varchar(${MAX_LEASE_NAME_LENGTH})`, (c) => c.primaryKey())
    .addColumn('owner', 'varchar(64)', (c) => c.notNull())
    .addColumn('lease_until', dbTypes.time, (c) => c.notNull())
    .addColumn('updated_at', dbTypes.time, (c) => c.notNull())
    .execute();
}
