import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';

/** The image service's migrations, applied in name order. */
export const imageMigrations: Record<string, Migration> = {
  '0001_initial': initial,
};
