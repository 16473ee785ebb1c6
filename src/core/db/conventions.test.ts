import { describe, expect, it } from 'vitest';
import type { Database } from './connection.ts';
import {
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
} from './conventions.ts';
import { describeEachDialect } from './testing.ts';

describe('time helpers', () => {
  it('write fixed-width UTC with microseconds and read back the same instant', () => {
    const date = new Date(Date.UTC(2026, 10, 25, 4, 8, 6, 123));
    expect(toDbTime(date)).toBe('2026-11-25T04:08:06.123000Z');
    expect(fromDbTime('2026-11-25T04:08:06.123456Z').getTime()).toBe(date.getTime());
    expect(dbNow()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/);
  });

  it('sort as text in time order', () => {
    const times = [
      new Date('1999-12-31T23:59:59.999Z'),
      new Date('2026-01-01T00:00:00.000Z'),
      new Date('2026-01-01T00:00:00.001Z'),
      new Date('2026-10-01T00:00:00Z'),
    ].map(toDbTime);
    expect([...times].reverse().sort()).toEqual(times);
  });

  it('refuse values that would break the fixed width', () => {
    expect(() => toDbTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => toDbTime(new Date('+012026-01-01T00:00:00Z'))).toThrow(/year out of range/);
    expect(() => fromDbTime('2026-11-25T04:08:06Z')).toThrow(RangeError);
    expect(() => fromDbTime('2026-11-25 04:08:06.123456')).toThrow(RangeError);
    expect(() => fromDbTime('2026-13-45T04:08:06.123456Z')).toThrow(/not a valid time/);
  });
});

describe('bool and json helpers', () => {
  it('map booleans to 0/1 and refuse anything else on the way back', () => {
    expect(toDbBool(true)).toBe(1);
    expect(toDbBool(false)).toBe(0);
    expect(fromDbBool(1)).toBe(true);
    expect(fromDbBool(0)).toBe(false);
    expect(fromDbBool(1n)).toBe(true);
    expect(() => fromDbBool(2)).toThrow(TypeError);
    expect(() => fromDbBool('1')).toThrow(TypeError);
    expect(() => fromDbBool(null)).toThrow(TypeError);
  });

  it('keep JSON as text and refuse values without a JSON form', () => {
    expect(toDbJson({ a: [1, 'x', null] })).toBe('{"a":[1,"x",null]}');
    expect(fromDbJson<{ a: unknown[] }>('{"a":[1]}').a).toEqual([1]);
    expect(() => toDbJson(undefined)).toThrow(TypeError);
  });
});

interface ConventionTables {
  conv_item: {
    id: string;
    name: string;
    created_at: string;
    enabled: number;
    extra: string;
  };
}

async function createItems(db: Database<ConventionTables>): Promise<void> {
  await db.kysely.schema.dropTable('conv_item').ifExists().execute();
  await createTable(db.kysely, 'conv_item')
    .addColumn('id', dbTypes.id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('created_at', dbTypes.time, (c) => c.notNull())
    .addColumn('enabled', dbTypes.bool, (c) => c.notNull())
    .addColumn('extra', textType(db.kysely), (c) => c.notNull())
    .execute();
}

describeEachDialect('storage conventions', (suite) => {
  it('knows its dialect from a bare Kysely handle', async () => {
    const db = await suite.open();
    expect(dialectOf(db.kysely)).toBe(suite.dialect);
  });

  it('round-trip times, booleans and large JSON documents', async () => {
    const db = await suite.open<ConventionTables>();
    await createItems(db);
    const created = new Date('2026-11-25T04:08:06.123Z');
    // Past MariaDB's 64 KiB `text`, which is why textType gives it longtext.
    const extra = { blob: 'x'.repeat(100_000), nested: { ok: true, n: 1.5 } };
    await db.kysely
      .insertInto('conv_item')
      .values([
        {
          id: 'a',
          name: 'first',
          created_at: toDbTime(created),
          enabled: toDbBool(true),
          extra: toDbJson(extra),
        },
        {
          id: 'b',
          name: 'second',
          created_at: toDbTime(new Date(created.getTime() - 1)),
          enabled: toDbBool(false),
          extra: toDbJson([]),
        },
      ])
      .execute();

    const rows = await db.kysely
      .selectFrom('conv_item')
      .selectAll()
      .where('created_at', '>=', toDbTime(created))
      .execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.created_at).toBe('2026-11-25T04:08:06.123000Z');
    expect(fromDbTime(row.created_at)).toEqual(created);
    expect(fromDbBool(row.enabled)).toBe(true);
    expect(fromDbJson(row.extra)).toEqual(extra);

    const ordered = await db.kysely
      .selectFrom('conv_item')
      .select('id')
      .orderBy('created_at')
      .execute();
    expect(ordered.map((r) => r.id)).toEqual(['b', 'a']);
    const disabled = await db.kysely
      .selectFrom('conv_item')
      .select('id')
      .where('enabled', '=', toDbBool(false))
      .execute();
    expect(disabled).toEqual([{ id: 'b' }]);
  });

  it('compare and key text case-sensitively, as on every dialect', async () => {
    const db = await suite.open<ConventionTables>();
    await createItems(db);
    const row = { created_at: dbNow(), enabled: 1, extra: '{}' };
    await db.kysely
      .insertInto('conv_item')
      .values([
        { ...row, id: 'x1', name: 'Admin' },
        { ...row, id: 'x2', name: 'admin' },
      ])
      .execute();
    const hits = await db.kysely
      .selectFrom('conv_item')
      .select('id')
      .where('name', '=', 'admin')
      .execute();
    expect(hits).toEqual([{ id: 'x2' }]);
  });
});
