/**
 * Database URLs: one string picks the dialect and where the data lives. Parsing is kept
 * apart from connecting so a bad URL is reported before anything is opened, and so no
 * error message ever has to echo the URL itself (it may carry a password).
 */
import path from 'node:path';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly file: string | ':memory:' }
  | {
      readonly dialect: 'postgres';
      /** Passed whole to `pg`, which understands every libpq URL parameter (sslmode ...). */
      readonly connectionString: string;
      readonly database: string;
    }
  | {
      readonly dialect: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string | undefined;
      readonly database: string;
    };

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

const SUPPORTED = 'sqlite:, postgres:, postgresql:, mysql:, mariadb:';

/** The scheme of a URL-ish string, lowercased, or '' when it has none. */
function schemeOf(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return m?.[1] !== undefined ? m[1].toLowerCase() : '';
}

/**
 * Parses a database URL:
 * - `sqlite:///abs/path.db` (absolute), `sqlite://relative/path.db` (against the working
 *   directory), `sqlite::memory:`
 * - `postgres://user:pass@host:5432/db` or `postgresql://...`
 * - `mysql://user:pass@host:3306/db` or `mariadb://...` (both MariaDB through mysql2)
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const scheme = schemeOf(url);
  switch (scheme) {
    case 'sqlite':
      return parseSqlite(url);
    case 'postgres':
    case 'postgresql':
      return parsePostgres(url, scheme);
    case 'mysql':
    case 'mariadb':
      return parseMysql(url, scheme);
    case '':
      throw new DatabaseUrlError(`database URL has no scheme (expected one of ${SUPPORTED})`);
    default:
      throw new DatabaseUrlError(
        `unsupported database URL scheme '${scheme}:' (expected one of ${SUPPORTED})`,
      );
  }
}

function parseSqlite(url: string): DatabaseTarget {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return { dialect: 'sqlite', file: ':memory:' };
  if (!rest.startsWith('//') || rest.length <= 2) {
    throw new DatabaseUrlError(
      "invalid 'sqlite:' URL: use sqlite:///absolute/path.db, sqlite://relative/path.db or sqlite::memory:",
    );
  }
  // `sqlite:///abs` leaves '/abs'; `sqlite://rel/x.db` leaves 'rel/x.db'.
  const filePart = decodeURIComponent(rest.slice(2).split('?')[0] ?? '');
  if (filePart === '' || filePart.endsWith('/')) {
    throw new DatabaseUrlError("invalid 'sqlite:' URL: it names no file");
  }
  return { dialect: 'sqlite', file: path.resolve(filePart) };
}

function parseServerUrl(url: string, scheme: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(`invalid '${scheme}:' database URL: it does not parse as a URL`);
  }
  if (parsed.hostname === '') {
    throw new DatabaseUrlError(`invalid '${scheme}:' database URL: it names no host`);
  }
  return parsed;
}

function databaseName(parsed: URL, scheme: string): string {
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (name === '' || name.includes('/')) {
    throw new DatabaseUrlError(
      `invalid '${scheme}:' database URL: the path must name exactly one database`,
    );
  }
  return name;
}

function parsePostgres(url: string, scheme: string): DatabaseTarget {
  const parsed = parseServerUrl(url, scheme);
  return { dialect: 'postgres', connectionString: url, database: databaseName(parsed, scheme) };
}

function parseMysql(url: string, scheme: string): DatabaseTarget {
  const parsed = parseServerUrl(url, scheme);
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  return {
    dialect: 'mysql',
    host: parsed.hostname,
    port,
    user: decodeURIComponent(parsed.username) || 'root',
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    database: databaseName(parsed, scheme),
  };
}

/**
 * The URL with any password replaced by `***`, for logs and error messages. Works on
 * strings that do not parse as URLs too, since those are the ones most likely to be
 * printed while reporting a mistake.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** `url` with its database path replaced: used to reach a sibling database on a server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
