/**
 * The store test harness: one suite, run on SQLite, PostgreSQL and MariaDB, each against
 * a fresh database of its own that is dropped afterwards. Imported by tests only (it
 * imports vitest), never re-exported from index.ts.
 *
 * Servers come from STRATA_TEST_POSTGRES_URL and STRATA_TEST_MYSQL_URL (an account that
 * may CREATE DATABASE). A server that cannot be reached fails the suite with a message
 * saying how to start it: a store test that silently skipped a dialect would let a
 * dialect-specific bug through. STRATA_TEST_DIALECTS=sqlite,postgres narrows the set for
 * local iteration; CI ignores it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  DatabaseConnectError,
  describeError,
  openDatabase,
  type Database,
  type OpenDatabaseOptions,
  type UntypedTables,
} from './connection.ts';
import { redactUrl, withDatabase, type DialectName } from './url.ts';

export const ALL_DIALECTS: readonly DialectName[] = ['sqlite', 'postgres', 'mysql'];

const DEFAULT_URLS = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: 'mysql://root@127.0.0.1:3306/test',
} as const;

const SERVERS = {
  postgres: {
    env: 'STRATA_TEST_POSTGRES_URL',
    product: 'PostgreSQL',
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  mysql: {
    env: 'STRATA_TEST_MYSQL_URL',
    product: 'MariaDB',
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
} as const;

/** Scratch databases are named `strata_t_<unix seconds>_<random>`. */
const SCRATCH_PREFIX = 'strata_t_';
/** Scratch databases older than this were left by a killed run and are dropped. */
const STALE_AFTER_SECONDS = 6 * 3600;

export interface DialectSuite {
  readonly dialect: DialectName;
  /** URL of this suite's own database; readable in hooks and tests, not while collecting. */
  readonly url: string;
  /** Opens a handle on the suite's database; every handle is closed after the suite. */
  open<DB = UntypedTables>(opts?: OpenDatabaseOptions): Promise<Database<DB>>;
}

/** The dialects to run: all three, unless STRATA_TEST_DIALECTS narrows them outside CI. */
export function testDialects(env: NodeJS.ProcessEnv = process.env): DialectName[] {
  const wanted = env.STRATA_TEST_DIALECTS?.trim();
  if (wanted === undefined || wanted === '') return [...ALL_DIALECTS];
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false') {
    console.warn('STRATA_TEST_DIALECTS is ignored under CI: store tests run on every dialect');
    return [...ALL_DIALECTS];
  }
  const names = wanted.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(ALL_DIALECTS as readonly string[]).includes(name)) {
      throw new Error(
        `STRATA_TEST_DIALECTS names unknown dialect '${name}' (known: ${ALL_DIALECTS.join(', ')})`,
      );
    }
  }
  return ALL_DIALECTS.filter((d) => names.includes(d));
}

/** Runs `fn`'s suite once per dialect, as `title [dialect]`. */
export function describeEachDialect(title: string, fn: (suite: DialectSuite) => void): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let scratch: ScratchDatabase | undefined;
      const handles: Database<unknown>[] = [];

      // Registered before fn's hooks: runs first, and (hooks stack) its afterAll runs last.
      beforeAll(async () => {
        scratch = await createScratchDatabase(dialect);
      });
      afterAll(async () => {
        await Promise.allSettled(handles.map((h) => h.close()));
        await scratch?.drop();
      });

      const suite: DialectSuite = {
        dialect,
        get url(): string {
          if (scratch === undefined) {
            throw new Error('DialectSuite.url is ready only in hooks and tests');
          }
          return scratch.url;
        },
        async open<DB = UntypedTables>(opts?: OpenDatabaseOptions): Promise<Database<DB>> {
          const db = await openDatabase<DB>(suite.url, opts);
          handles.push(db as Database<unknown>);
          return db;
        },
      };
      fn(suite);
    });
  }
}

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A new, empty database for one suite: a temp file, or a uniquely named server database. */
export async function createScratchDatabase(dialect: DialectName): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-db-'));
    return {
      url: `sqlite://${path.join(dir, 'test.db')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const server = SERVERS[dialect];
  const adminUrl = process.env[server.env] || DEFAULT_URLS[dialect];
  let admin: Database;
  try {
    admin = await openDatabase(adminUrl, { poolSize: 1, connectTimeoutMs: 5_000 });
  } catch (err) {
    throw new Error(
      `${server.product} for the store tests is not reachable at ${redactUrl(adminUrl)} ` +
        `(${describeError(err instanceof DatabaseConnectError ? err.cause : err)}). Start it (on a node-svc machine: ${server.start}) ` +
        `or set ${server.env} to a server where this account may CREATE DATABASE.`,
      { cause: err },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const name = `${SCRATCH_PREFIX}${now}_${Math.random().toString(16).slice(2, 10)}`;
  try {
    await dropStale(admin, now);
    await sql
      .raw(
        dialect === 'mysql'
          ? // The server's default charset, as a database an operator made would have:
            // tables must get theirs from createTable() (conventions.ts), and tests see it.
            `create database \`${name}\``
          : `create database "${name}"`,
      )
      .execute(admin.kysely);
  } catch (err) {
    await admin.close();
    throw err;
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      try {
        await dropDatabase(admin, name);
      } finally {
        await admin.close();
      }
    },
  };
}

function dropDatabase(admin: Database, name: string): Promise<unknown> {
  return sql
    .raw(
      admin.dialect === 'mysql'
        ? `drop database if exists \`${name}\``
        : // FORCE: a test that leaked a connection must not leave the database behind.
          `drop database if exists "${name}" with (force)`,
    )
    .execute(admin.kysely);
}

async function dropStale(admin: Database, now: number): Promise<void> {
  const names =
    admin.dialect === 'mysql'
      ? (
          await sql<{
            name: string;
          }>`select schema_name as name from information_schema.schemata`.execute(admin.kysely)
        ).rows
      : (await sql<{ name: string }>`select datname as name from pg_database`.execute(admin.kysely))
          .rows;
  for (const { name } of names) {
    const m = /^strata_t_(\d+)_[0-9a-f]+$/.exec(name);
    if (m?.[1] !== undefined && now - Number(m[1]) > STALE_AFTER_SECONDS) {
      await dropDatabase(admin, name).catch(() => undefined);
    }
  }
}
