import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseConnectError, openDatabase, type Database } from './connection.ts';
import { DatabaseUrlError } from './url.ts';
import { describeEachDialect } from './testing.ts';

/** Polls until `check` holds; fails the test after a second. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Holds a pooled connection inside a transaction until `release()` is called. */
function holdConnection(db: Database): { release: () => void; done: Promise<void> } {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = db.kysely.transaction().execute(async (trx) => {
    await sql`select 1`.execute(trx);
    await gate;
  });
  return { release, done };
}

describeEachDialect('openDatabase', (suite) => {
  it('opens, answers queries, reports its dialect and closes idempotently', async () => {
    const db = await suite.open();
    expect(db.dialect).toBe(suite.dialect);
    expect(db.caps.returning).toBe(suite.dialect !== 'mysql');
    expect(db.caps.rowLocks).toBe(suite.dialect !== 'sqlite');
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db.kysely);
    expect(rows).toEqual([{ one: 1 }]);
    await db.close();
    await db.close();
    await expect(sql`select 1`.execute(db.kysely)).rejects.toThrow();
  });

  it('returns counts as numbers on every dialect', async () => {
    const db = await suite.open();
    const { rows } = await sql<{
      n: unknown;
    }>`select count(*) as n from (select 1 as x union all select 2 as x) t`.execute(db.kysely);
    expect(rows[0]?.n).toBe(2);
  });

  it('reports pool size, idle connections and waiting callers', async () => {
    const db = await suite.open({ poolSize: 2 });
    const capacity = suite.dialect === 'sqlite' ? 1 : 2;

    const held = Array.from({ length: capacity }, () => holdConnection(db));
    await until(() => db.poolStats().idle === 0 && db.poolStats().size === capacity, 'checkouts');
    const queued = sql`select 1`.execute(db.kysely);
    await until(() => db.poolStats().waiting === 1, 'a waiting caller');
    expect(db.poolStats()).toEqual({ size: capacity, idle: 0, waiting: 1 });

    for (const h of held) h.release();
    await Promise.all([...held.map((h) => h.done), queued]);
    expect(db.poolStats()).toEqual({ size: capacity, idle: capacity, waiting: 0 });
  });

  if (suite.dialect === 'sqlite') {
    it('turns on WAL and foreign keys', async () => {
      const db = await suite.open();
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.kysely);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      expect(fk.rows[0]?.foreign_keys).toBe(1);
    });

    it('takes the write lock when a transaction begins, not at its first write', async () => {
      const a = await suite.open();
      const b = await suite.open({ busyTimeoutMs: 0 });
      await sql`create table lock_probe (id integer primary key)`.execute(a.kysely);
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      const tx = a.kysely.transaction().execute(async (trx) => {
        await sql`select count(*) from lock_probe`.execute(trx);
        started = true;
        await gate;
        await sql`insert into lock_probe (id) values (1)`.execute(trx);
      });
      await until(() => started, 'the transaction to start');
      // A deferred BEGIN would have let this write in and failed `a` at its insert instead.
      await expect(sql`insert into lock_probe (id) values (2)`.execute(b.kysely)).rejects.toThrow(
        /locked|busy/i,
      );
      release();
      await tx;
      const { rows } = await sql<{ id: number }>`select id from lock_probe`.execute(b.kysely);
      expect(rows).toEqual([{ id: 1 }]);
    });
  }

  if (suite.dialect === 'mysql') {
    it('runs sessions in UTC, strict mode and a binary utf8mb4 collation', async () => {
      const db = await suite.open();
      const { rows } = await sql<{
        tz: string;
        mode: string;
        coll: string;
      }>`select @@session.time_zone as tz, @@session.sql_mode as mode, @@collation_connection as coll`.execute(
        db.kysely,
      );
      expect(rows[0]?.tz).toBe('+00:00');
      expect(rows[0]?.mode).toContain('STRICT_ALL_TABLES');
      expect(rows[0]?.mode).toContain('PIPES_AS_CONCAT');
      expect(rows[0]?.coll).toBe('utf8mb4_bin');
      const concat = await sql<{ s: string }>`select 'a' || 'b' as s`.execute(db.kysely);
      expect(concat.rows[0]?.s).toBe('ab');
    });
  }

  if (suite.dialect === 'postgres') {
    it('runs sessions in UTC', async () => {
      const db = await suite.open();
      const { rows } = await sql<{ tz: string }>`select current_setting('TimeZone') as tz`.execute(
        db.kysely,
      );
      expect(rows[0]?.tz).toBe('UTC');
    });
  }
});

describe('openDatabase on SQLite files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-conn-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing parent directories', async () => {
    const file = path.join(dir, 'a', 'b', 'strata.db');
    const db = await openDatabase(`sqlite://${file}`);
    await db.close();
    expect((await stat(file)).isFile()).toBe(true);
  });

  it('opens an in-memory database', async () => {
    const db = await openDatabase('sqlite::memory:');
    expect(db.poolStats()).toEqual({ size: 1, idle: 1, waiting: 0 });
    await db.close();
  });
});

describe('openDatabase failures', () => {
  it('rejects a bad URL before connecting, naming its scheme', async () => {
    await expect(openDatabase('redis://u:pw@host/0')).rejects.toThrow(DatabaseUrlError);
    await expect(openDatabase('redis://u:pw@host/0')).rejects.toThrow(/'redis:'/);
  });

  it('reports an unreachable server with the URL, password hidden', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    for (const url of ['postgres://u:hunter2@127.0.0.1:1/db', 'mysql://u:hunter2@127.0.0.1:1/db']) {
      const err: unknown = await openDatabase(url, { connectTimeoutMs: 2_000 }).catch((e) => e);
      expect(err).toBeInstanceOf(DatabaseConnectError);
      const message = (err as Error).message;
      expect(message).toContain('127.0.0.1:1/db');
      expect(message).toContain('***');
      expect(message).not.toContain('hunter2');
      expect(message).toMatch(/ECONNREFUSED|connect/);
    }
  });

  it('rejects a pool size below one', async () => {
    await expect(openDatabase('sqlite::memory:', { poolSize: 0 })).rejects.toThrow(RangeError);
  });
});
