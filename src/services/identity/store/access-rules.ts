import type { IdentityDb } from './db.ts';
import type { AccessRule } from './application-credentials.ts';

/**
 * Access rules belong to a user and are shared by that user's application credentials:
 * asking for the same (service, path, method) again reuses the existing rule, as Keystone
 * does, so a rule can be listed and deleted once it is no longer used.
 */
export interface AccessRuleFilters {
  readonly service?: string | undefined;
  readonly path?: string | undefined;
  readonly method?: string | undefined;
}

/** The user's rule with this id; another user's rule is not found. */
export async function getAccessRule(
  db: IdentityDb,
  userId: string,
  id: string,
): Promise<AccessRule | undefined> {
  return db
    .selectFrom('identity_access_rule')
    .select(['id', 'service', 'path', 'method'])
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function listAccessRules(
  db: IdentityDb,
  userId: string,
  filters: AccessRuleFilters = {},
): Promise<AccessRule[]> {
  let q = db
    .selectFrom('identity_access_rule')
    .select(['id', 'service', 'path', 'method'])
    .where('user_id', '=', userId);
  if (filters.service !== undefined) q = q.where('service', '=', filters.service);
  if (filters.path !== undefined) q = q.where('path', '=', filters.path);
  if (filters.method !== undefined) q = q.where('method', '=', filters.method);
  return q.orderBy('id').execute();
}

export async function findAccessRule(
  db: IdentityDb,
  userId: string,
  rule: { service: string; path: string; method: string },
): Promise<AccessRule | undefined> {
  return db
    .selectFrom('identity_access_rule')
    .select(['id', 'service', 'path', 'method'])
    .where('user_id', '=', userId)
    .where('service', '=', rule.service)
    .where('path', '=', rule.path)
    .where('method', '=', rule.method)
    .executeTakeFirst();
}

/** Whether any rule (of any user) has this id: ids are global, like Keystone's external_id. */
export async function accessRuleIdTaken(db: IdentityDb, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('identity_access_rule')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertAccessRule(
  db: IdentityDb,
  userId: string,
  rule: AccessRule,
): Promise<void> {
  await db
    .insertInto('identity_access_rule')
    .values({
      id: rule.id,
      user_id: userId,
      service: rule.service,
      path: rule.path,
      method: rule.method,
    })
    .execute();
}

/** Whether an application credential still uses the rule (it may not be deleted then). */
export async function accessRuleInUse(db: IdentityDb, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('identity_application_credential_access_rule')
    .select('application_credential_id')
    .where('access_rule_id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Deletes the rule unless an application credential uses it. The check and the delete run
 * in one statement, so a credential created meanwhile cannot lose its rule to a race.
 */
export async function deleteUnusedAccessRule(
  db: IdentityDb,
  userId: string,
  id: string,
): Promise<'deleted' | 'in_use' | 'missing'> {
  const result = await db
    .deleteFrom('identity_access_rule')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('identity_application_credential_access_rule')
            .select('application_credential_id')
            .where('access_rule_id', '=', id),
        ),
      ),
    )
    .executeTakeFirst();
  if (Number(result.numDeletedRows) > 0) return 'deleted';
  return (await getAccessRule(db, userId, id)) ? 'in_use' : 'missing';
}
