import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './connection.ts';
import { createTable, dbTypes } from './conventions.ts';
import { fixtureMigrations } from './migrate.fixture.ts';
import { MigrationError, migrateToLatest, pendingMigrations, type Migrations } from './migrate.ts';
import { describeEachDialect } from './testing.ts';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./migrate.fixture.ts', import.meta.url));
const ALL = ['0001_create_widget', '0002_index_widget_name'];

async function tableNames(db: Database): Promise<string[]> {
  const tables = await db.kysely.introspection.getTables({ withInternalKyselyTables: true });
  return tables.map((t) => t.name);
}

async function historyOf(db: Database, service: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom(`${service}_migrations`)
    .select('name')
    .orderBy('name')
    .execute();
  return rows.map((r) => String(r.name));
}

describeEachDialect('migrateToLatest', (suite) => {
  it('applies pending migrations once and then does nothing', async () => {
    const db = await suite.open();
    expect(await pendingMigrations(db, 'alpha', fixtureMigrations('alpha'))).toEqual(ALL);
    expect(await migrateToLatest(db, 'alpha', fixtureMigrations('alpha'))).toEqual(ALL);
    expect(await migrateToLatest(db, 'alpha', fixtureMigrations('alpha'))).toEqual([]);
    expect(await pendingMigrations(db, 'alpha', fixtureMigrations('alpha'))).toEqual([]);
    expect(await historyOf(db, 'alpha')).toEqual(ALL);
    expect(await tableNames(db)).toEqual(
      expect.arrayContaining(['alpha_widget', 'alpha_migrations', 'alpha_migrations_lock']),
    );
  });

  it('applies only migrations added since the last run', async () => {
    const db = await suite.open();
    const first = fixtureMigrations('gamma');
    expect(await migrateToLatest(db, 'gamma', first)).toEqual(ALL);
    const more: Migrations = {
      ...first,
      '0003_create_gadget': {
        async up(k) {
          await createTable(k, 'gamma_gadget')
            .addColumn('id', dbTypes.id, (c) => c.primaryKey())
            .execute();
        },
      },
    };
    expect(await migrateToLatest(db, 'gamma', more)).toEqual(['0003_create_gadget']);
  });

  it('keeps a separate history per service', async () => {
    const db = await suite.open();
    await migrateToLatest(db, 'beta', fixtureMigrations('beta'));
    // Same migration names, another service: its own history, so they all apply again.
    expect(await migrateToLatest(db, 'delta', fixtureMigrations('delta'))).toEqual(ALL);
    expect(await historyOf(db, 'beta')).toEqual(ALL);
    expect(await historyOf(db, 'delta')).toEqual(ALL);
  });

  it('lets two migrators race on one database: each migration runs exactly once', async () => {
    const [a, b] = await Promise.all([suite.open(), suite.open()]);
    const results = await Promise.all([
      migrateToLatest(a!, 'race', fixtureMigrations('race')),
      migrateToLatest(b!, 'race', fixtureMigrations('race')),
    ]);
    expect(results.flat().sort()).toEqual(ALL);
    expect(await historyOf(a!, 'race')).toEqual(ALL);
  });

  it('lets two processes race on one database: each migration runs exactly once', async () => {
    const child = () =>
      run(process.execPath, ['--import', 'tsx', FIXTURE, suite.url, 'procs'], { timeout: 60_000 });
    const outputs = await Promise.all([child(), child()]);
    const applied = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    expect(applied.flat().sort()).toEqual(ALL);
    const db = await suite.open();
    expect(await historyOf(db, 'procs')).toEqual(ALL);
  });

  it('throws a MigrationError naming the failing migration and service', async () => {
    const db = await suite.open();
    const failing: Migrations = {
      '0001_create_thing': {
        async up(k) {
          await createTable(k, 'broken_thing')
            .addColumn('id', dbTypes.id, (c) => c.primaryKey())
            .execute();
        },
      },
      '0002_bad_sql': {
        async up(k) {
          await sql`select * from broken_no_such_table`.execute(k);
        },
      },
    };
    const err: unknown = await migrateToLatest(db, 'broken', failing).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ service: 'broken', migration: '0002_bad_sql' });
    expect((err as Error).message).toMatch(/migration "0002_bad_sql" of service "broken" failed/);
    // Where DDL is transactional the whole batch rolled back; MariaDB keeps the first step.
    expect(await pendingMigrations(db, 'broken', failing)).toEqual(
      db.caps.transactionalDdl ? ['0001_create_thing', '0002_bad_sql'] : ['0002_bad_sql'],
    );
    expect((await tableNames(db)).includes('broken_thing')).toBe(!db.caps.transactionalDdl);
  });

  it('refuses a history that lost a migration', async () => {
    const db = await suite.open();
    await migrateToLatest(db, 'lost', fixtureMigrations('lost'));
    const { '0001_create_widget': _gone, ...rest } = fixtureMigrations('lost');
    await expect(migrateToLatest(db, 'lost', rest)).rejects.toThrow(
      /migrating service "lost" failed: .*0001_create_widget is missing/,
    );
  });
});

describe('migrateToLatest argument checks', () => {
  it('refuses service and migration names that would make bad table names or orders', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      await expect(migrateToLatest(db, 'Identity', {})).rejects.toThrow(TypeError);
      await expect(migrateToLatest(db, 'id-entity', {})).rejects.toThrow(/prefixes table names/);
      await expect(
        migrateToLatest(db, 'identity', { '1_init': { up: async () => undefined } }),
      ).rejects.toThrow(/0001_what_it_does/);
      expect(await migrateToLatest(db, 'identity', {})).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
