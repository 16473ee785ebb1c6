import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';
import * as tasks from './0002_tasks.ts';
import * as catalog from './0003_catalog.ts';
import * as dataOperations from './0004_data_operations.ts';

/** Block storage migrations, applied in name order. Later ones: 000N_<name>.ts. */
export const blockStorageMigrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_tasks': tasks,
  '0003_catalog': catalog,
  '0004_data_operations': dataOperations,
};
