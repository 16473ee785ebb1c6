import type { Kysely } from 'kysely';
import type { BlockStorageTables } from './tables.ts';

export type BlockStorageDb = Kysely<BlockStorageTables>;
