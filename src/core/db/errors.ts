/**
 * Recognises constraint violations from any of the three drivers, so a store can turn
 * "that name is taken" or "that parent is gone" into its own domain error without
 * knowing which database it runs on. Each driver error carries a stable code:
 * - better-sqlite3: `code` 'SQLITE_CONSTRAINT_UNIQUE' / '_PRIMARYKEY' / '_FOREIGNKEY'
 * - pg: SQLSTATE in `code`, 23505 unique_violation / 23503 foreign_key_violation
 * - mysql2: `errno` 1062 ER_DUP_ENTRY (1586 with key name), 1451/1217 row is referenced,
 *   1452/1216 no referenced row
 * Wrapped errors are followed through `cause`, so an error re-thrown with its driver error
 * as the cause is still recognised.
 */

const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const SQLITE_FOREIGN_KEY = new Set(['SQLITE_CONSTRAINT_FOREIGNKEY']);
const PG_UNIQUE = '23505';
const PG_FOREIGN_KEY = '23503';
const MYSQL_UNIQUE = new Set([1062, 1586]);
const MYSQL_FOREIGN_KEY = new Set([1216, 1217, 1451, 1452]);

const MAX_CAUSE_DEPTH = 5;

interface DriverErrorFields {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  cause?: unknown;
}

function matches(err: unknown, test: (fields: DriverErrorFields) => boolean): boolean {
  let current = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const fields = current as DriverErrorFields;
    if (test(fields)) return true;
    current = fields.cause;
  }
  return false;
}

/** A driver error is a mysql2 one when it carries a numeric errno and a SQLSTATE. */
function mysqlErrno(fields: DriverErrorFields): number | undefined {
  return typeof fields.errno === 'number' && typeof fields.sqlState === 'string'
    ? fields.errno
    : undefined;
}

/** A unique or primary key was violated. */
export function isUniqueViolation(err: unknown): boolean {
  return matches(err, (f) => {
    if (typeof f.code === 'string' && (SQLITE_UNIQUE.has(f.code) || f.code === PG_UNIQUE)) {
      return true;
    }
    const errno = mysqlErrno(f);
    return errno !== undefined && MYSQL_UNIQUE.has(errno);
  });
}

/** A row referred to a missing parent, or a parent still referred to was deleted. */
export function isForeignKeyViolation(err: unknown): boolean {
  return matches(err, (f) => {
    if (
      typeof f.code === 'string' &&
      (SQLITE_FOREIGN_KEY.has(f.code) || f.code === PG_FOREIGN_KEY)
    ) {
      return true;
    }
    const errno = mysqlErrno(f);
    return errno !== undefined && MYSQL_FOREIGN_KEY.has(errno);
  });
}
