/**
 * Wraps a Kysely dialect so that connection checkouts can be counted. The three drivers
 * expose their pools differently (and SQLite has none), so "how many callers wait for a
 * connection" and "how many connections are checked out" are measured here, once, at the
 * point every query passes through.
 */
import type {
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';

export interface CheckoutCounts {
  /** Callers that asked for a connection and have not got one yet. */
  waiting: number;
  /** Connections handed out and not yet given back. */
  inUse: number;
}

class CountingDriver implements Driver {
  readonly #inner: Driver;
  readonly #counts: CheckoutCounts;

  constructor(inner: Driver, counts: CheckoutCounts) {
    this.#inner = inner;
    this.#counts = counts;
    // Savepoints are optional in the Driver interface and Kysely checks for their
    // presence, so only forward the ones the wrapped driver has.
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) {
      this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    }
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  savepoint?: (
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ) => Promise<void>;
  rollbackToSavepoint?: (
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ) => Promise<void>;
  releaseSavepoint?: (
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ) => Promise<void>;

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#counts.waiting++;
    let connection: DatabaseConnection;
    try {
      connection = await this.#inner.acquireConnection();
    } finally {
      this.#counts.waiting--;
    }
    this.#counts.inUse++;
    return connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#counts.inUse--;
    await this.#inner.releaseConnection(connection);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

export function countingDialect(inner: Dialect, counts: CheckoutCounts): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new CountingDriver(inner.createDriver(), counts),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}
