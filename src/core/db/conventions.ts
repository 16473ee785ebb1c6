/**
 * Storage conventions: how values are kept so the same query gives the same answer on
 * SQLite, PostgreSQL and MariaDB.
 *
 * - Times: text, fixed-width UTC ISO-8601 with microseconds, `2026-11-25T04:08:06.123456Z`
 *   (`toDbTime` / `fromDbTime`, column type `dbTypes.time`). Fixed width makes text order
 *   equal time order, so `<`, `ORDER BY` and keyset markers work without date types, whose
 *   time zone and precision rules differ on every dialect.
 * - Booleans: integer 0/1 (`toDbBool` / `fromDbBool`, `dbTypes.bool`). PostgreSQL's
 *   boolean does not compare with integers and SQLite has no boolean at all.
 * - JSON: text (`toDbJson` / `fromDbJson`, `textType(db)`); no dialect's JSON operators are
 *   used, so a document is read and written whole.
 * - Ids: `varchar(64)` (`dbTypes.id`): UUIDs and the longer ids some APIs use.
 * - Tables: named `<service>_<thing>` (`identity_user`); a service touches only its own
 *   tables, so several services can share one database. Migrations are tracked per service
 *   in `<service>_migrations`.
 * - Tables are created with `createTable(db, name)`, which gives MariaDB utf8mb4 with a
 *   binary collation: text compares, sorts and is unique case-sensitively, as on the
 *   other two. Text then sorts by code point everywhere provided the PostgreSQL database
 *   was created with a C collation (`CREATE DATABASE ... TEMPLATE template0 LC_COLLATE
 *   'C.UTF-8' LC_CTYPE 'C.UTF-8'`); a linguistic one (en_US.UTF-8) sorts differently.
 *   MariaDB still ignores trailing spaces when comparing ('a' = 'a '): validate names.
 * - MariaDB limits: an indexed varchar may hold at most 768 characters (3072-byte key,
 *   4 bytes a character); `text` columns cannot be primary or unique keys; MariaDB has no
 *   transactional DDL (`caps.transactionalDdl`), so a failed migration may leave part of
 *   itself applied there.
 * - Columns that a query compares or sorts should be NOT NULL (NULL sorts first on
 *   SQLite/MariaDB, last on PostgreSQL); see pagination.ts for nullable sort keys.
 */
import { MysqlAdapter, PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import type {
  ColumnDataType,
  CreateTableBuilder,
  DialectAdapter,
  Expression,
  SchemaModule,
} from 'kysely';
import type { DialectName } from './url.ts';

/** A column type as `addColumn` takes it. */
export type DbColumnType = ColumnDataType | Expression<unknown>;

/** Column types for the conventions above, to use in migrations. */
export const dbTypes = {
  id: 'varchar(64)',
  time: 'varchar(32)',
  bool: 'integer',
} as const satisfies Record<string, DbColumnType>;

const DB_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** `2026-11-25T04:08:06.123000Z`: a Date has milliseconds, the format keeps microseconds. */
export function toDbTime(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('toDbTime: invalid Date');
  const iso = date.toISOString();
  // Years outside 0000-9999 print as ±YYYYYY and would break the fixed width.
  if (iso.length !== 24) throw new RangeError(`toDbTime: year out of range in ${iso}`);
  return `${iso.slice(0, 23)}000Z`;
}

/** The current time in the stored format. */
export function dbNow(): string {
  return toDbTime(new Date());
}

/** Parses a stored time; microseconds past the millisecond are dropped by Date. */
export function fromDbTime(text: string): Date {
  if (!DB_TIME.test(text)) {
    throw new RangeError(`fromDbTime: not a stored time: ${JSON.stringify(text)}`);
  }
  const date = new Date(`${text.slice(0, 23)}Z`);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`fromDbTime: not a valid time: ${JSON.stringify(text)}`);
  }
  return date;
}

export function toDbBool(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** Reads a 0/1 column; anything else is a corrupt row, not a falsy value. */
export function fromDbBool(value: unknown): boolean {
  if (value === 1 || value === 1n) return true;
  if (value === 0 || value === 0n) return false;
  throw new TypeError(`fromDbBool: expected 0 or 1, got ${JSON.stringify(String(value))}`);
}

export function toDbJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('toDbJson: value has no JSON form');
  return text;
}

/** Parses a stored JSON document. The type argument is the caller's claim, not a check. */
export function fromDbJson<T = unknown>(text: string): T {
  return JSON.parse(text) as T;
}

/** The part of a Kysely handle the helpers below need; any `Kysely<...>` fits it. */
export interface SchemaHandle {
  readonly schema: SchemaModule;
  getExecutor(): { readonly adapter: DialectAdapter };
}

/** Which dialect a Kysely handle talks to (migrations get a bare Kysely, not a Database). */
export function dialectOf(db: Pick<SchemaHandle, 'getExecutor'>): DialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  throw new TypeError(`dialectOf: unsupported adapter ${adapter.constructor.name}`);
}

/**
 * Type for unbounded text and JSON documents: `text` is 64 KiB on MariaDB, so it gets
 * `longtext` there. Not usable as a key (see the header).
 */
export function textType(db: Pick<SchemaHandle, 'getExecutor'>): DbColumnType {
  return dialectOf(db) === 'mysql' ? sql`longtext` : 'text';
}

/** `db.schema.createTable(name)`, with MariaDB's table options fixed as described above. */
export function createTable(db: SchemaHandle, name: string): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return dialectOf(db) === 'mysql'
    ? builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`)
    : builder;
}
