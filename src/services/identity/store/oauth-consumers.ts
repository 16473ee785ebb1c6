import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { OAuthConsumerTable } from './tables.ts';

/** An OAuth1 consumer (OS-OAUTH1). Its secret is only ever shown when it is created. */
export interface OAuthConsumer {
  readonly id: string;
  readonly description: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
}

function consumerFromRow(row: OAuthConsumerTable): OAuthConsumer {
  return { id: row.id, description: row.description, extra: fromDbJson(row.extra) };
}

export async function insertConsumer(
  db: IdentityDb,
  c: OAuthConsumer & { secretHash: string },
): Promise<void> {
  await db
    .insertInto('identity_oauth_consumer')
    .values({
      id: c.id,
      description: c.description,
      secret_hash: c.secretHash,
      extra: toDbJson(c.extra),
    })
    .execute();
}

export async function getConsumer(db: IdentityDb, id: string): Promise<OAuthConsumer | undefined> {
  const row = await db
    .selectFrom('identity_oauth_consumer')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? consumerFromRow(row) : undefined;
}

export async function listConsumers(db: IdentityDb): Promise<OAuthConsumer[]> {
  const rows = await db.selectFrom('identity_oauth_consumer').selectAll().orderBy('id').execute();
  return rows.map(consumerFromRow);
}

export async function updateConsumer(
  db: IdentityDb,
  id: string,
  patch: { description: string | null; extra: Readonly<Record<string, unknown>> },
): Promise<void> {
  await db
    .updateTable('identity_oauth_consumer')
    .set({ description: patch.description, extra: toDbJson(patch.extra) })
    .where('id', '=', id)
    .execute();
}

export async function deleteConsumer(db: IdentityDb, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('identity_oauth_consumer')
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
