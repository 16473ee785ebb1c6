/**
 * The storage core every service stores through. The test harness lives in testing.ts
 * and is imported from there directly, so production code never loads vitest.
 */
export {
  DatabaseConnectError,
  openDatabase,
  type Database,
  type DatabaseCaps,
  type DialectName,
  type OpenDatabaseOptions,
  type PoolStats,
  type UntypedTables,
} from './connection.ts';
export {
  createTable,
  dbNow,
  dbTypes,
  dialectOf,
  fromDbBool,
  fromDbJson,
  fromDbTime,
  textType,
  toDbBool,
  toDbJson,
  toDbTime,
  type DbColumnType,
  type SchemaHandle,
} from './conventions.ts';
export { isForeignKeyViolation, isUniqueViolation } from './errors.ts';
export {
  MigrationError,
  migrateToLatest,
  pendingMigrations,
  type Migration,
  type Migrations,
} from './migrate.ts';
export { applyPage, PageRequestError, type PageRequest, type SortKey } from './pagination.ts';
export { DatabaseUrlError, parseDatabaseUrl, redactUrl, type DatabaseTarget } from './url.ts';
