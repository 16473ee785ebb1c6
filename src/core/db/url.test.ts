import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseUrlError, parseDatabaseUrl, redactUrl, withDatabase } from './url.ts';

describe('parseDatabaseUrl', () => {
  it('reads the three sqlite forms', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/strata/strata.db')).toEqual({
      dialect: 'sqlite',
      file: '/var/lib/strata/strata.db',
    });
    expect(parseDatabaseUrl('sqlite://data/strata.db')).toEqual({
      dialect: 'sqlite',
      file: path.resolve('data/strata.db'),
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', file: ':memory:' });
  });

  it('rejects sqlite URLs that name no file', () => {
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl('sqlite://')).toThrow(/sqlite:/);
    expect(() => parseDatabaseUrl('sqlite:///var/lib/')).toThrow(/names no file/);
  });

  it('reads postgres and postgresql URLs, keeping the whole string for pg', () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const url = `${scheme}://u:p@db.example:5433/nova?sslmode=require`;
      expect(parseDatabaseUrl(url)).toEqual({
        dialect: 'postgres',
        connectionString: url,
        database: 'nova',
      });
    }
  });

  it('reads mysql and mariadb URLs into mysql2 options', () => {
    expect(parseDatabaseUrl('mariadb://keystone:s%40cret@10.0.0.5/keystone')).toEqual({
      dialect: 'mysql',
      host: '10.0.0.5',
      port: 3306,
      user: 'keystone',
      password: 's@cret',
      database: 'keystone',
    });
    expect(parseDatabaseUrl('mysql://root@127.0.0.1:3307/test')).toMatchObject({
      dialect: 'mysql',
      port: 3307,
      user: 'root',
      password: undefined,
    });
  });

  it('requires a database name on server URLs', () => {
    expect(() => parseDatabaseUrl('postgres://u:p@host')).toThrow(/name exactly one database/);
    expect(() => parseDatabaseUrl('mysql://u:p@host/a/b')).toThrow(/name exactly one database/);
  });

  it('names the scheme of an unsupported URL and never echoes its password', () => {
    let message = '';
    try {
      parseDatabaseUrl('oracle://scott:tiger@host/orcl');
    } catch (err) {
      expect(err).toBeInstanceOf(DatabaseUrlError);
      message = (err as Error).message;
    }
    expect(message).toContain("'oracle:'");
    expect(message).not.toContain('tiger');
    expect(() => parseDatabaseUrl('just-a-path.db')).toThrow(/no scheme/);
  });
});

describe('redactUrl', () => {
  it('hides passwords in the authority and in query parameters', () => {
    expect(redactUrl('postgres://nova:s3cr3t@db:5432/nova')).toBe(
      'postgres://nova:***@db:5432/nova',
    );
    expect(redactUrl('mysql://u:p@ss@h/db')).toBe('mysql://u:***@h/db');
    expect(redactUrl('postgres://db/nova?user=x&password=hunter2&ssl=1')).toBe(
      'postgres://db/nova?user=x&password=***&ssl=1',
    );
  });

  it('leaves URLs without a password alone', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
    expect(redactUrl('sqlite:///tmp/x.db')).toBe('sqlite:///tmp/x.db');
  });
});

describe('withDatabase', () => {
  it('swaps the database and keeps credentials and parameters', () => {
    expect(withDatabase('postgres://u:p@h:5432/postgres?sslmode=disable', 'strata_t_1')).toBe(
      'postgres://u:p@h:5432/strata_t_1?sslmode=disable',
    );
  });
});
