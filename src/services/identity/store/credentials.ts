import { fromDbJson, toDbJson } from '../../../core/db/index.ts';
import type { IdentityDb } from './db.ts';
import type { CredentialTable } from './tables.ts';

/** What encrypts credential blobs at rest (the identity service's CredentialCipher). */
export interface BlobCipher {
  encrypt(blob: string): { encrypted: string; keyHash: string };
  decrypt(encrypted: string): string;
}

/** A stored credential with its blob decrypted. */
export interface Credential {
  readonly id: string;
  readonly userId: string;
  readonly projectId: string | null;
  readonly type: string;
  readonly blob: string;
  /** Attributes a client sent that the API does not define (Keystone keeps them). */
  readonly extra: Readonly<Record<string, unknown>>;
}

function credentialFromRow(row: CredentialTable, cipher: BlobCipher): Credential {
  return {
    id: row.id,
    userId: row.user_id,
    projectId: row.project_id,
    type: row.type,
    blob: cipher.decrypt(row.encrypted_blob),
    extra: fromDbJson(row.extra),
  };
}

export async function insertCredential(
  db: IdentityDb,
  cipher: BlobCipher,
  c: Credential,
): Promise<void> {
  const { encrypted, keyHash } = cipher.encrypt(c.blob);
  await db
    .insertInto('identity_credential')
    .values({
      id: c.id,
      user_id: c.userId,
      project_id: c.projectId,
      type: c.type,
      encrypted_blob: encrypted,
      key_hash: keyHash,
      extra: toDbJson(c.extra),
    })
    .execute();
}

export async function getCredential(
  db: IdentityDb,
  cipher: BlobCipher,
  id: string,
): Promise<Credential | undefined> {
  const row = await db
    .selectFrom('identity_credential')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? credentialFromRow(row, cipher) : undefined;
}

/** Credentials matching every filter given, ordered by id so lists are stable. */
export async function listCredentials(
  db: IdentityDb,
  cipher: BlobCipher,
  filters: { userId?: string | undefined; type?: string | undefined } = {},
): Promise<Credential[]> {
  let q = db.selectFrom('identity_credential').selectAll();
  if (filters.userId !== undefined) q = q.where('user_id', '=', filters.userId);
  if (filters.type !== undefined) q = q.where('type', '=', filters.type);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => credentialFromRow(r, cipher));
}

/** Replaces the blob (re-encrypted with the current primary key). False when the credential is gone. */
export async function updateCredentialBlob(
  db: IdentityDb,
  cipher: BlobCipher,
  id: string,
  blob: string,
): Promise<boolean> {
  const { encrypted, keyHash } = cipher.encrypt(blob);
  const result = await db
    .updateTable('identity_credential')
    .set({ encrypted_blob: encrypted, key_hash: keyHash })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteCredential(db: IdentityDb, id: string): Promise<boolean> {
  const result = await db.deleteFrom('identity_credential').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
