// Shapes of `openstack … -f json` output and checks over them.
import { expect } from './scenario-runner.ts';

/** Rows of `openstack <thing> list -f json`: column title -> value. */
export type Row = Record<string, unknown>;

export interface Token {
  id: string;
  expires: string;
  project_id: string;
  user_id: string;
}

export interface Resource {
  id: string;
  name: string;
  description?: string | null;
  [field: string]: unknown;
}

/** The values of one column of a list, as strings. */
export function column(rows: readonly Row[], title: string): string[] {
  return rows.map((row) => String(row[title] ?? ''));
}

/** Fails the step unless every needle is in the haystack. */
export function includesAll(
  haystack: readonly string[],
  needles: readonly string[],
  what: string,
): void {
  const missing = needles.filter((n) => !haystack.includes(n));
  expect(
    missing.length === 0,
    `${what} lacks ${missing.join(', ')} (has ${haystack.length} entries)`,
  );
}
