import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';

/** The placement service's migrations, applied in name order. */
export const placementMigrations: Record<string, Migration> = {
  '0001_initial': initial,
};
