/**
 * Versioned schema migrations, one history per service. Kysely's Migrator does the work;
 * this module gives each service its own tracking tables (`<service>_migrations`,
 * `<service>_migrations_lock`) so services sharing a database never see each other's
 * history, and makes concurrent migrators safe on every dialect:
 * - PostgreSQL: Kysely holds an advisory lock and runs the batch in one transaction.
 * - MariaDB: Kysely holds a GET_LOCK() lock; DDL is not transactional there, so a failing
 *   migration can leave part of itself applied (write each one to be re-runnable or small).
 * - SQLite: Kysely only locks within one process, so the batch runs here inside
 *   BEGIN IMMEDIATE, which takes the database's write lock across processes and makes the
 *   batch atomic. (SQLite ignores `PRAGMA foreign_keys` inside a transaction: a migration
 *   that rebuilds a table must not rely on switching foreign keys off.)
 */
import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationResultSet } from 'kysely';
import type { Database } from './connection.ts';

export type { Migration } from 'kysely';

/** Migrations by name; names sort in the order they apply: `0001_initial`, `0002_...`. */
export type Migrations = Readonly<Record<string, Migration>>;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly service: string;
  /** The migration that failed, when one did (not for a corrupt history, say). */
  readonly migration: string | undefined;

  constructor(service: string, migration: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      migration === undefined
        ? `migrating service "${service}" failed: ${reason}`
        : `migration "${migration}" of service "${service}" failed: ${reason}`,
      { cause },
    );
    this.service = service;
    this.migration = migration;
  }
}

const SERVICE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const MIGRATION_NAME = /^\d{4}_[a-z0-9_]+$/;

/** How long a SQLite migrator waits for another one to finish. */
const SQLITE_LOCK_WAIT_MS = 120_000;
const SQLITE_LOCK_POLL_MS = 25;

/**
 * Applies the service's pending migrations in name order and returns the names applied
 * (empty when already up to date). Throws MigrationError naming the failing migration.
 */
export async function migrateToLatest<DB>(
  db: Database<DB>,
  service: string,
  migrations: Migrations,
): Promise<string[]> {
  validate(service, migrations);
  let result: MigrationResultSet;
  try {
    result = await runMigrator(db, service, migrations);
  } catch (err) {
    throw new MigrationError(service, undefined, err);
  }
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(service, failed, result.error);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the service's migrations not yet applied, in the order they would apply. */
export async function pendingMigrations<DB>(
  db: Database<DB>,
  service: string,
  migrations: Migrations,
): Promise<string[]> {
  validate(service, migrations);
  const infos = await migratorFor(db.kysely, service, migrations, false).getMigrations();
  return infos.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function validate(service: string, migrations: Migrations): void {
  if (!SERVICE_NAME.test(service)) {
    throw new TypeError(
      `service name ${JSON.stringify(service)} must match ${String(SERVICE_NAME)}: it prefixes table names`,
    );
  }
  for (const name of Object.keys(migrations)) {
    if (!MIGRATION_NAME.test(name)) {
      throw new TypeError(
        `migration name ${JSON.stringify(name)} of service "${service}" must look like 0001_what_it_does`,
      );
    }
  }
}

function migratorFor<DB>(
  kysely: Kysely<DB>,
  service: string,
  migrations: Migrations,
  disableTransactions: boolean,
): Migrator {
  return new Migrator({
    db: kysely,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableName: `${service}_migrations`,
    migrationLockTableName: `${service}_migrations_lock`,
    disableTransactions,
  });
}

function runMigrator<DB>(
  db: Database<DB>,
  service: string,
  migrations: Migrations,
): Promise<MigrationResultSet> {
  if (db.dialect !== 'sqlite') {
    return migratorFor(db.kysely, service, migrations, false).migrateToLatest();
  }
  return withSqliteWriteLock(db.kysely, async (conn) => {
    const result = await migratorFor(conn, service, migrations, true).migrateToLatest();
    // Kysely reports failures in the result instead of throwing; throw so the batch
    // rolls back, and hand the result on through the error.
    if (result.error !== undefined) throw new FailedRun(result);
    return result;
  }).catch((err: unknown) => {
    if (err instanceof FailedRun) return err.result;
    throw err;
  });
}

class FailedRun extends Error {
  constructor(readonly result: MigrationResultSet) {
    super('migration run failed');
  }
}

/**
 * Runs `fn` on one connection inside BEGIN IMMEDIATE, committing if it returns. The lock
 * is polled with the busy timeout off, because better-sqlite3 waits synchronously: a
 * blocking wait would freeze the event loop, and with it any other connection of this
 * process that holds the lock and needs the loop to finish.
 */
async function withSqliteWriteLock<DB, T>(
  kysely: Kysely<DB>,
  fn: (conn: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return kysely.connection().execute(async (conn) => {
    const saved = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
    const timeout = saved.rows[0]?.timeout ?? 5000;
    await sql`pragma busy_timeout = 0`.execute(conn);
    try {
      const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
      for (;;) {
        try {
          await sql`begin immediate`.execute(conn);
          break;
        } catch (err) {
          if (!isSqliteBusy(err) || Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, SQLITE_LOCK_POLL_MS));
        }
      }
    } finally {
      await sql.raw(`pragma busy_timeout = ${Number(timeout)}`).execute(conn);
    }
    let value: T;
    try {
      value = await fn(conn);
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
    await sql`commit`.execute(conn);
    return value;
  });
}

function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
