import type { Selectable } from 'kysely';
import { isUniqueViolation, toDbTime } from '../../../core/db/index.ts';
import type { ComputeDb } from './db.ts';
import type { KeypairTable } from './tables.ts';

export type KeypairRow = Selectable<KeypairTable>;

export interface NewKeypair {
  readonly userId: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  readonly type: 'ssh' | 'x509';
}

/**
 * Adds a keypair unless the user already has one of that name (undefined then) or would
 * go past `limit` keypairs (-1: no limit), checked in the same transaction.
 */
export async function insertKeypair(
  db: ComputeDb,
  k: NewKeypair,
  limit: number,
  now: Date,
): Promise<{ row: KeypairRow } | { taken: true } | { overLimit: true }> {
  try {
    return await db.transaction().execute(async (trx) => {
      if (limit >= 0) {
        const { n } = await trx
          .selectFrom('compute_keypair')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('user_id', '=', k.userId)
          .executeTakeFirstOrThrow();
        if (Number(n) + 1 > limit) return { overLimit: true as const };
      }
      await trx
        .insertInto('compute_keypair')
        .values({
          user_id: k.userId,
          name: k.name,
          fingerprint: k.fingerprint,
          public_key: k.publicKey,
          type: k.type,
          created_at: toDbTime(now),
        })
        .execute();
      const row = await trx
        .selectFrom('compute_keypair')
        .selectAll()
        .where('user_id', '=', k.userId)
        .where('name', '=', k.name)
        .executeTakeFirstOrThrow();
      return { row };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { taken: true };
    throw err;
  }
}

export async function getKeypair(
  db: ComputeDb,
  userId: string,
  name: string,
): Promise<KeypairRow | undefined> {
  return db
    .selectFrom('compute_keypair')
    .selectAll()
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** A user's keypairs by name, after `marker` (a name) when given. */
export async function listKeypairs(
  db: ComputeDb,
  userId: string,
  page: { limit?: number | undefined; marker?: string | undefined },
): Promise<KeypairRow[]> {
  let q = db.selectFrom('compute_keypair').selectAll().where('user_id', '=', userId);
  if (page.marker !== undefined) q = q.where('name', '>', page.marker);
  q = q.orderBy('name');
  if (page.limit !== undefined) q = q.limit(page.limit);
  return q.execute();
}

export async function countKeypairs(db: ComputeDb, userId: string): Promise<number> {
  const { n } = await db
    .selectFrom('compute_keypair')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function deleteKeypair(db: ComputeDb, userId: string, name: string): Promise<boolean> {
  const res = await db
    .deleteFrom('compute_keypair')
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
