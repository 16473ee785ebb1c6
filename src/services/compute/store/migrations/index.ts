import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';

/** Compute migrations, applied in name order. Later ones: 000N_<name>.ts. */
export const computeMigrations: Record<string, Migration> = {
  '0001_initial': initial,
};
