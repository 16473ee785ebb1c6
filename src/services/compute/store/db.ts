import type { Kysely } from 'kysely';
import type { ComputeTables } from './tables.ts';

export type ComputeDb = Kysely<ComputeTables>;
