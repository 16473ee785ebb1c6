/**
 * Opens the one database a service (or the whole all-in-one process) stores into. The
 * URL picks the dialect; each dialect is set up so that the conventions in
 * conventions.ts give the same results on all three (UTC everywhere, strict MariaDB, foreign
 * keys enforced on SQLite, counts as numbers).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type { DatabaseConnection, Dialect } from 'kysely';
import mysql from 'mysql2';
import pg from 'pg';
import { countingDialect, type CheckoutCounts } from './counting-dialect.ts';
import { parseDatabaseUrl, redactUrl, type DatabaseTarget, type DialectName } from './url.ts';

export type { DialectName } from './url.ts';

/**
 * Tables of a database whose schema the caller did not describe: any table, any column,
 * values of unknown type. Services pass their own table interfaces instead.
 */
export type UntypedTables = Record<string, Record<string, unknown>>;

/** What differs between dialects in ways a query has to be written around. */
export interface DatabaseCaps {
  /** `INSERT/UPDATE/DELETE ... RETURNING`; Kysely's MySQL dialect has none. */
  readonly returning: boolean;
  /** DDL rolls back with its transaction (not on MariaDB: each DDL statement commits). */
  readonly transactionalDdl: boolean;
  /** `SELECT ... FOR UPDATE [SKIP LOCKED]`; SQLite has no row locks, only one writer. */
  readonly rowLocks: boolean;
  /** How an upsert is spelled: Kysely's `onConflict` or MySQL's `onDuplicateKeyUpdate`. */
  readonly upsert: 'on-conflict' | 'on-duplicate-key';
}

export interface PoolStats {
  /** Connections open now (SQLite: always 1). */
  readonly size: number;
  /** Open connections not checked out. */
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

export interface Database<DB = UntypedTables> {
  readonly kysely: Kysely<DB>;
  readonly dialect: DialectName;
  readonly caps: DatabaseCaps;
  /** The URL it was opened with, password hidden: safe to log. */
  readonly url: string;
  /** Closes every connection; safe to call twice. */
  close(): Promise<void>;
  poolStats(): PoolStats;
}

export interface OpenDatabaseOptions {
  /** Most connections the pool opens (PostgreSQL, MariaDB). SQLite always uses one. */
  poolSize?: number;
  /** Give up connecting after this long (PostgreSQL: also waiting for a pooled connection). */
  connectTimeoutMs?: number;
  /** SQLite: how long a statement waits for another process's write lock. */
  busyTimeoutMs?: number;
  /** Shown in `pg_stat_activity`, so operators can tell whose connections they see. */
  applicationName?: string;
  /**
   * An idle pooled connection failed (for instance the server restarted). The pool drops
   * it and the next query reconnects, so this is for logging only.
   */
  onPoolError?: (err: Error) => void;
}

export class DatabaseConnectError extends Error {
  override readonly name = 'DatabaseConnectError';
}

const DEFAULTS = {
  poolSize: 10,
  connectTimeoutMs: 10_000,
  busyTimeoutMs: 5_000,
  applicationName: 'strata',
} as const;

const CAPS: Record<DialectName, DatabaseCaps> = {
  sqlite: { returning: true, transactionalDdl: true, rowLocks: false, upsert: 'on-conflict' },
  postgres: { returning: true, transactionalDdl: true, rowLocks: true, upsert: 'on-conflict' },
  mysql: { returning: false, transactionalDdl: false, rowLocks: true, upsert: 'on-duplicate-key' },
};

/**
 * MariaDB session settings that make it behave like the other two: strict inserts instead
 * of silent truncation, `||` as concatenation, GROUP BY as strict as PostgreSQL's, and
 * READ COMMITTED like PostgreSQL's default (MariaDB defaults to REPEATABLE READ, whose gap
 * locks deadlock where PostgreSQL would not).
 */
const MYSQL_SESSION = [
  "SET SESSION time_zone = '+00:00'",
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE," +
    "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY,PIPES_AS_CONCAT'",
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
];

const PG_INT8_OID = 20;

interface Opened {
  dialect: Dialect;
  /** Size and idle count of the underlying pool, given how many are checked out. */
  stats: (inUse: number) => { size: number; idle: number };
}

/**
 * Opens a database and checks that it answers, so a wrong URL or a stopped server fails
 * here, with the (password-free) URL in the message, rather than at the first query.
 */
export async function openDatabase<DB = UntypedTables>(
  url: string,
  opts: OpenDatabaseOptions = {},
): Promise<Database<DB>> {
  const target = parseDatabaseUrl(url);
  const shownUrl = redactUrl(url);
  const options: ResolvedOptions = { ...DEFAULTS, ...stripUndefined(opts) };
  if (!Number.isInteger(options.poolSize) || options.poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${String(options.poolSize)}`);
  }

  let opened: Opened;
  try {
    opened = openDialect(target, options);
  } catch (err) {
    throw new DatabaseConnectError(`cannot open ${shownUrl}: ${describeError(err)}`, {
      cause: err,
    });
  }
  const counts: CheckoutCounts = { waiting: 0, inUse: 0 };
  const kysely = new Kysely<DB>({ dialect: countingDialect(opened.dialect, counts) });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= kysely.destroy());

  try {
    await sql`select 1`.execute(kysely);
  } catch (err) {
    await close().catch(() => undefined);
    throw new DatabaseConnectError(`cannot connect to ${shownUrl}: ${describeError(err)}`, {
      cause: err,
    });
  }

  return {
    kysely,
    dialect: target.dialect,
    caps: CAPS[target.dialect],
    url: shownUrl,
    close,
    poolStats: () => ({ ...opened.stats(counts.inUse), waiting: counts.waiting }),
  };
}

interface ResolvedOptions {
  poolSize: number;
  connectTimeoutMs: number;
  busyTimeoutMs: number;
  applicationName: string;
  onPoolError?: ((err: Error) => void) | undefined;
}

function openDialect(target: DatabaseTarget, options: ResolvedOptions): Opened {
  switch (target.dialect) {
    case 'sqlite':
      return openSqlite(target.file, options);
    case 'postgres':
      return openPostgres(target.connectionString, options);
    case 'mysql':
      return openMysql(target, options);
  }
}

function openSqlite(file: string, options: ResolvedOptions): Opened {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new BetterSqlite3(file, { timeout: options.busyTimeoutMs });
  try {
    // WAL lets readers in other processes (a CLI next to the server) read while one writes;
    // NORMAL sync is durable under WAL except for the last commits on power loss.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    // Off by default in SQLite, for backward compatibility; the other two always enforce.
    database.pragma('foreign_keys = ON');
  } catch (err) {
    database.close();
    throw err;
  }
  const dialect = new SqliteDialect({ database });
  return {
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => new ImmediateSqliteDriver({ database }),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db) => dialect.createIntrospector(db),
    },
    stats: (inUse) => ({ size: 1, idle: inUse > 0 ? 0 : 1 }),
  };
}

/**
 * Transactions start with BEGIN IMMEDIATE, taking the write lock up front. With a plain
 * (deferred) BEGIN, a transaction that reads and then writes fails with SQLITE_BUSY
 * whenever another process (the CLI beside the server) wrote in between, and the busy
 * timeout cannot help because its snapshot is already stale.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

function openPostgres(connectionString: string, options: ResolvedOptions): Opened {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
    options: '-c TimeZone=UTC',
    types: {
      // bigint (count(*), sums of integers) comes back as a number, as it does from the
      // other two drivers; values past 2^53 are not expected in the columns we count.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener, an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => options.onPoolError?.(err));
  return {
    dialect: new PostgresDialect({ pool }),
    stats: () => ({ size: pool.totalCount, idle: pool.idleCount }),
  };
}

function openMysql(
  target: Extract<DatabaseTarget, { dialect: 'mysql' }>,
  options: ResolvedOptions,
): Opened {
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: options.poolSize,
    connectTimeout: options.connectTimeoutMs,
    // Binary collation: comparisons, sorting and unique keys are case- and
    // accent-sensitive, as they are on PostgreSQL and SQLite.
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  pool.on('connection', (conn) => {
    // Errors from a pooled connection are reported through its queries too; this
    // listener only keeps an unhandled 'error' event from crashing the process.
    conn.on('error', (err: Error) => options.onPoolError?.(err));
  });
  return {
    dialect: new MysqlDialect({
      pool,
      onCreateConnection: async (connection: DatabaseConnection) => {
        for (const statement of MYSQL_SESSION) {
          await connection.executeQuery(CompiledQuery.raw(statement));
        }
      },
    }),
    stats: (inUse) => mysqlPoolStats(pool, inUse),
  };
}

/**
 * mysql2 keeps its pool's lists private; they have been stable for years, and if they
 * ever vanish the stats fall back to what the checkout counter knows.
 */
function mysqlPoolStats(pool: mysql.Pool, inUse: number): { size: number; idle: number } {
  const internals = pool as unknown as {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
  };
  const size = internals._allConnections?.length ?? inUse;
  const idle = internals._freeConnections?.length ?? Math.max(0, size - inUse);
  return { size, idle };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A one-line reason from a driver error. `pg` reports a refused connection to a host
 * with several addresses as an AggregateError with an empty message.
 */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return describeError(err.errors[0]);
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (err.message !== '') return err.message;
    if (typeof code === 'string') return code;
    return err.name;
  }
  return String(err);
}
