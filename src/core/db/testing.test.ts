import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './connection.ts';
import { createScratchDatabase, describeEachDialect, testDialects } from './testing.ts';

describe('testDialects', () => {
  it('runs every dialect by default', () => {
    expect(testDialects({})).toEqual(['sqlite', 'postgres', 'mysql']);
  });

  it('narrows for local iteration, keeping the canonical order', () => {
    expect(testDialects({ STRATA_TEST_DIALECTS: 'mysql, sqlite' })).toEqual(['sqlite', 'mysql']);
  });

  it('ignores narrowing under CI and rejects unknown names', () => {
    expect(testDialects({ STRATA_TEST_DIALECTS: 'sqlite', CI: 'true' })).toEqual([
      'sqlite',
      'postgres',
      'mysql',
    ]);
    expect(() => testDialects({ STRATA_TEST_DIALECTS: 'sqlite,oracle' })).toThrow(/'oracle'/);
  });
});

describe('createScratchDatabase', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.STRATA_TEST_POSTGRES_URL = saved.STRATA_TEST_POSTGRES_URL;
    process.env.STRATA_TEST_MYSQL_URL = saved.STRATA_TEST_MYSQL_URL;
    if (saved.STRATA_TEST_POSTGRES_URL === undefined) delete process.env.STRATA_TEST_POSTGRES_URL;
    if (saved.STRATA_TEST_MYSQL_URL === undefined) delete process.env.STRATA_TEST_MYSQL_URL;
  });

  it('fails with how to start a server that is not reachable, password hidden', async () => {
    process.env.STRATA_TEST_POSTGRES_URL = 'postgres://postgres:hunter2@127.0.0.1:1/postgres';
    process.env.STRATA_TEST_MYSQL_URL = 'mysql://root:hunter2@127.0.0.1:1/test';
    const pgErr = (await createScratchDatabase('postgres').catch((e) => e)) as Error;
    expect(pgErr.message).toMatch(/PostgreSQL .* not reachable at postgres:\/\/postgres:\*\*\*@/);
    expect(pgErr.message).toContain('pg_ctlcluster');
    expect(pgErr.message).toContain('STRATA_TEST_POSTGRES_URL');
    const myErr = (await createScratchDatabase('mysql').catch((e) => e)) as Error;
    expect(myErr.message).toMatch(/MariaDB .* not reachable/);
    expect(myErr.message).toContain('mariadbd');
    for (const err of [pgErr, myErr]) expect(err.message).not.toContain('hunter2');
  });

  it('gives a SQLite suite a temp file that is removed afterwards', async () => {
    const scratch = await createScratchDatabase('sqlite');
    const db = await openDatabase(scratch.url);
    await db.close();
    const file = fileURLToPath(`file://${scratch.url.slice('sqlite://'.length)}`);
    expect(existsSync(file)).toBe(true);
    await scratch.drop();
    expect(existsSync(file)).toBe(false);
  });

  for (const dialect of ['postgres', 'mysql'] as const) {
    it(`creates and drops a uniquely named ${dialect} database, and sweeps stale ones`, async () => {
      // One left behind by a run killed a day ago.
      const stale = `strata_t_${Math.floor(Date.now() / 1000) - 86_400}_deadbeef`;
      const keeper = await createScratchDatabase(dialect);
      const admin = await openDatabase(keeper.url);
      const listNames = async (): Promise<string[]> => {
        const q =
          dialect === 'mysql'
            ? sql<{ n: string }>`select schema_name as n from information_schema.schemata`
            : sql<{ n: string }>`select datname as n from pg_database`;
        return (await q.execute(admin.kysely)).rows.map((r) => r.n);
      };
      try {
        await sql
          .raw(dialect === 'mysql' ? `create database \`${stale}\`` : `create database "${stale}"`)
          .execute(admin.kysely);
        const a = await createScratchDatabase(dialect);
        const b = await createScratchDatabase(dialect);
        expect(a.url).not.toBe(b.url);
        const names = await listNames();
        const nameOf = (url: string) => new URL(url).pathname.slice(1);
        expect(names).toEqual(expect.arrayContaining([nameOf(a.url), nameOf(b.url)]));
        expect(names).not.toContain(stale);
        await a.drop();
        await b.drop();
        const after = await listNames();
        expect(after).not.toContain(nameOf(a.url));
        expect(after).not.toContain(nameOf(b.url));
      } finally {
        await admin.close();
        await keeper.drop();
      }
    });
  }
});

describeEachDialect('describeEachDialect', (suite) => {
  it('hands each suite its own open-able database of the named dialect', async () => {
    const db = await suite.open();
    expect(db.dialect).toBe(suite.dialect);
    expect(suite.url).not.toMatch(/\/(postgres|test)$/);
    await sql`create table harness_probe (id integer)`.execute(db.kysely);
    const tables = await db.kysely.introspection.getTables();
    expect(tables.map((t) => t.name)).toEqual(['harness_probe']);
  });
});
