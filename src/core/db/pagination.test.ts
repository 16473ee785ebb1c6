import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './connection.ts';
import { createTable, dbTypes, toDbTime } from './conventions.ts';
import { applyPage, PageRequestError, type SortKey } from './pagination.ts';
import { describeEachDialect } from './testing.ts';

interface Row {
  id: string;
  name: string;
  size: number;
  created_at: string;
  zone: string | null;
}

interface Tables {
  page_server: Row;
}

/** 41 rows with many ties on name, size and zone, so every tiebreaker is exercised. */
function makeRows(): Row[] {
  const names = ['alpha', 'Bravo', 'charlie', 'alpha2'];
  const zones = ['az1', null, 'az2'];
  return Array.from({ length: 41 }, (_, i) => ({
    id: `srv-${String((i * 17) % 41).padStart(2, '0')}`,
    name: names[i % names.length]!,
    size: (i * 7) % 5,
    created_at: toDbTime(new Date(Date.UTC(2026, 0, 1, 0, 0, i % 9))),
    zone: zones[i % zones.length]!,
  }));
}

/** The order the database must produce: bytewise text, NULL larger than any value. */
function referenceSort(rows: Row[], sort: readonly SortKey[]): Row[] {
  const cmp = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    return (a as string | number) < (b as string | number) ? -1 : 1;
  };
  return [...rows].sort((x, y) => {
    for (const key of sort) {
      const c = cmp(x[key.column as keyof Row], y[key.column as keyof Row]);
      if (c !== 0) return key.dir === 'asc' ? c : -c;
    }
    return 0;
  });
}

const SORTS: Record<string, SortKey[]> = {
  'name asc, size desc, id asc': [
    { column: 'name', dir: 'asc' },
    { column: 'size', dir: 'desc' },
    { column: 'id', dir: 'asc' },
  ],
  'created_at desc, name asc, id desc': [
    { column: 'created_at', dir: 'desc' },
    { column: 'name', dir: 'asc' },
    { column: 'id', dir: 'desc' },
  ],
  'nullable zone asc, id asc': [
    { column: 'zone', dir: 'asc', nullable: true },
    { column: 'id', dir: 'asc' },
  ],
  'nullable zone desc, size asc, id desc': [
    { column: 'zone', dir: 'desc', nullable: true },
    { column: 'size', dir: 'asc' },
    { column: 'id', dir: 'desc' },
  ],
};

describeEachDialect('applyPage', (suite) => {
  let db: Database<Tables>;
  const rows = makeRows();

  beforeAll(async () => {
    db = await suite.open<Tables>();
    await createTable(db.kysely, 'page_server')
      .addColumn('id', dbTypes.id, (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('created_at', dbTypes.time, (c) => c.notNull())
      .addColumn('zone', 'varchar(64)')
      .execute();
    await db.kysely.insertInto('page_server').values(rows).execute();
  });

  for (const [label, sort] of Object.entries(SORTS)) {
    it(`walks every page in order: ${label}`, async () => {
      const expected = referenceSort(rows, sort).map((r) => r.id);
      const seen: string[] = [];
      let marker: Row | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await applyPage(db.kysely.selectFrom('page_server').selectAll(), {
          sort,
          marker,
          limit: 6,
        }).execute();
        seen.push(...page.map((r) => r.id));
        if (page.length < 6) break;
        marker = page[page.length - 1];
      }
      expect(seen).toEqual(expected);
    });
  }

  it('accepts a marker taken from a qualified or aliased select', async () => {
    const sort: SortKey[] = [
      { column: 'page_server.size', dir: 'desc' },
      { column: 'page_server.id', dir: 'asc' },
    ];
    const all = referenceSort(rows, [
      { column: 'size', dir: 'desc' },
      { column: 'id', dir: 'asc' },
    ]);
    const marker = { size: all[9]!.size, id: all[9]!.id };
    const page = await applyPage(db.kysely.selectFrom('page_server').select(['id']), {
      sort,
      marker,
      limit: 3,
    }).execute();
    expect(page.map((r) => r.id)).toEqual(all.slice(10, 13).map((r) => r.id));
  });

  it('returns nothing after the last row', async () => {
    const sort = SORTS['name asc, size desc, id asc']!;
    const last = referenceSort(rows, sort).at(-1)!;
    const page = await applyPage(db.kysely.selectFrom('page_server').selectAll(), {
      sort,
      marker: last,
    }).execute();
    expect(page).toEqual([]);
  });
});

describe('applyPage argument checks', () => {
  let db: Database<Tables>;
  beforeAll(async () => {
    db = await openDatabase<Tables>('sqlite::memory:');
    return () => db.close();
  });
  const query = () => db.kysely.selectFrom('page_server').selectAll();

  it('needs at least one sort key', () => {
    expect(() => applyPage(query(), { sort: [] })).toThrow(PageRequestError);
  });

  it('needs a marker value for every key, and NULL only for nullable keys', () => {
    const sort: SortKey[] = [
      { column: 'name', dir: 'asc' },
      { column: 'id', dir: 'asc' },
    ];
    expect(() => applyPage(query(), { sort, marker: { id: 'x' } })).toThrow(
      /no value for sort key 'name'/,
    );
    expect(() => applyPage(query(), { sort, marker: { name: null, id: 'x' } })).toThrow(
      /NULL but the key is not nullable/,
    );
  });

  it('refuses a negative or fractional limit', () => {
    const sort: SortKey[] = [{ column: 'id', dir: 'asc' }];
    expect(() => applyPage(query(), { sort, limit: -1 })).toThrow(PageRequestError);
    expect(() => applyPage(query(), { sort, limit: 1.5 })).toThrow(PageRequestError);
  });

  it('compiles to ORDER BY plus the expanded keyset condition', () => {
    const compiled = applyPage(query(), {
      sort: [
        { column: 'name', dir: 'asc' },
        { column: 'id', dir: 'desc' },
      ],
      marker: { name: 'web', id: 'x' },
      limit: 10,
    }).compile();
    expect(compiled.sql).toBe(
      'select * from "page_server" where (("name" > ?) or ("name" = ? and "id" < ?)) ' +
        'order by "name" asc, "id" desc limit ?',
    );
    expect(compiled.parameters).toEqual(['web', 'web', 'x', 10]);
  });
});
