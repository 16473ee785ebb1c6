import type { Kysely, Transaction } from 'kysely';
import type { NetworkTables } from './tables.ts';

export type NetworkDb = Kysely<NetworkTables>;
/** A handle queries run on: the database or an open transaction. */
export type NetworkTx = Kysely<NetworkTables> | Transaction<NetworkTables>;
