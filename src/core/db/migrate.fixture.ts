/**
 * Migrations shared by migrate.test.ts and the child processes it starts to migrate one
 * database from several processes at once. Run directly (`node --import tsx
 * migrate.fixture.ts <url> <service>`), it migrates and prints the applied names as JSON.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { pathToFileURL } from 'node:url';
import { openDatabase } from './connection.ts';
import { createTable, dbTypes } from './conventions.ts';
import { migrateToLatest, type Migrations } from './migrate.ts';

/** Slow enough that concurrent migrators overlap. */
const STEP_DELAY_MS = 150;

async function pause(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, STEP_DELAY_MS));
}

/**
 * Two migrations on tables prefixed by `service`. Neither is re-runnable (plain CREATE
 * TABLE, an index), so applying one twice fails loudly.
 */
export function fixtureMigrations(service: string): Migrations {
  return {
    '0001_create_widget': {
      async up(db: Kysely<unknown>) {
        await createTable(db, `${service}_widget`)
          .addColumn('id', dbTypes.id, (c) => c.primaryKey())
          .addColumn('name', 'varchar(255)', (c) => c.notNull())
          .execute();
        await pause();
      },
    },
    '0002_index_widget_name': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createIndex(`${service}_widget_name_idx`)
          .on(`${service}_widget`)
          .column('name')
          .execute();
        await sql`select 1`.execute(db);
        await pause();
      },
    },
  };
}

async function main(): Promise<void> {
  const [url, service] = process.argv.slice(2);
  if (url === undefined || service === undefined) throw new Error('usage: <url> <service>');
  const db = await openDatabase(url);
  try {
    const applied = await migrateToLatest(db, service, fixtureMigrations(service));
    process.stdout.write(JSON.stringify(applied));
  } finally {
    await db.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
