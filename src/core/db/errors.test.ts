import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './connection.ts';
import { createTable, dbTypes } from './conventions.ts';
import { isForeignKeyViolation, isUniqueViolation } from './errors.ts';
import { describeEachDialect } from './testing.ts';

interface Tables {
  err_project: { id: string; name: string };
  err_member: { id: string; project_id: string };
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

describeEachDialect('constraint violation detection', (suite) => {
  let db: Database<Tables>;

  beforeAll(async () => {
    db = await suite.open<Tables>();
    await createTable(db.kysely, 'err_project')
      .addColumn('id', dbTypes.id, (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .execute();
    await createTable(db.kysely, 'err_member')
      .addColumn('id', dbTypes.id, (c) => c.primaryKey())
      .addColumn('project_id', dbTypes.id, (c) => c.notNull().references('err_project.id'))
      .execute();
    await db.kysely.insertInto('err_project').values({ id: 'p1', name: 'demo' }).execute();
    await db.kysely.insertInto('err_member').values({ id: 'm1', project_id: 'p1' }).execute();
  });

  it('recognises a duplicate unique key', async () => {
    const err = await caught(
      db.kysely.insertInto('err_project').values({ id: 'p2', name: 'demo' }).execute(),
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect(isForeignKeyViolation(err)).toBe(false);
  });

  it('recognises a duplicate primary key', async () => {
    const err = await caught(
      db.kysely.insertInto('err_project').values({ id: 'p1', name: 'other' }).execute(),
    );
    expect(isUniqueViolation(err)).toBe(true);
  });

  it('recognises a reference to a missing parent', async () => {
    const err = await caught(
      db.kysely.insertInto('err_member').values({ id: 'm2', project_id: 'nope' }).execute(),
    );
    expect(isForeignKeyViolation(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
  });

  it('recognises deleting a parent that is still referenced', async () => {
    const err = await caught(db.kysely.deleteFrom('err_project').where('id', '=', 'p1').execute());
    expect(isForeignKeyViolation(err)).toBe(true);
  });

  it('does not mistake other failures for violations', async () => {
    const err = await caught(
      db.kysely
        .selectFrom('err_missing_table' as 'err_project')
        .selectAll()
        .execute(),
    );
    expect(isUniqueViolation(err)).toBe(false);
    expect(isForeignKeyViolation(err)).toBe(false);
  });

  it('sees through errors that wrap the driver error as their cause', async () => {
    const driverError = await caught(
      db.kysely.insertInto('err_project').values({ id: 'p1', name: 'x' }).execute(),
    );
    const wrapped = new Error('store failed', {
      cause: new Error('layer', { cause: driverError }),
    });
    expect(isUniqueViolation(wrapped)).toBe(true);
  });
});

describe('constraint violation detection on non-driver values', () => {
  it('answers false for plain errors and non-errors', () => {
    for (const value of [new Error('x'), null, undefined, 'ER_DUP_ENTRY', { errno: 1062 }]) {
      expect(isUniqueViolation(value)).toBe(false);
      expect(isForeignKeyViolation(value)).toBe(false);
    }
  });

  it('stops at a cause cycle', () => {
    const a: { cause?: unknown } = {};
    a.cause = a;
    expect(isUniqueViolation(a)).toBe(false);
  });
});
