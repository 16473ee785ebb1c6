import type { IdentityDb } from './db.ts';
import { softDeleteTrustsOnProject } from './trusts.ts';

/**
 * What Keystone cleans up when a project or a domain goes. Assignments, endpoint
 * associations, limits and default projects hold ids without a foreign key (the target
 * may be a project or a domain, or live in another table), so they are removed here; rows
 * with a foreign key (tags, passwords, memberships, credentials of a user...) cascade.
 */

/** Removes what refers to a project being deleted. Run in the transaction that deletes it. */
export async function removeProjectReferences(
  db: IdentityDb,
  projectId: string,
  now: Date,
): Promise<void> {
  await db
    .deleteFrom('identity_assignment')
    .where('target_id', '=', projectId)
    .where('type', 'in', ['UserProject', 'GroupProject'])
    .execute();
  await db.deleteFrom('identity_credential').where('project_id', '=', projectId).execute();
  await softDeleteTrustsOnProject(db, projectId, now);
  await db.deleteFrom('identity_application_credential').where('project_id', '=', projectId).execute();
  await db.deleteFrom('identity_limit').where('project_id', '=', projectId).execute();
  await db.deleteFrom('identity_project_endpoint').where('project_id', '=', projectId).execute();
  await db
    .deleteFrom('identity_project_endpoint_group')
    .where('project_id', '=', projectId)
    .execute();
  await db
    .updateTable('identity_user')
    .set({ default_project_id: null })
    .where('default_project_id', '=', projectId)
    .execute();
}

/**
 * Removes what a domain owns besides its projects: its groups and users (with their
 * assignments), its domain-specific roles, the assignments on the domain, its stored
 * configuration and its limits. The domain's projects must be deleted first.
 */
export async function removeDomainContents(db: IdentityDb, domainId: string): Promise<void> {
  const groups = db.selectFrom('identity_group').select('id').where('domain_id', '=', domainId);
  const users = db.selectFrom('identity_user').select('id').where('domain_id', '=', domainId);
  await db
    .deleteFrom('identity_assignment')
    .where((eb) => eb.or([eb('actor_id', 'in', groups), eb('actor_id', 'in', users)]))
    .execute();
  await db.deleteFrom('identity_group').where('domain_id', '=', domainId).execute();
  await db.deleteFrom('identity_user').where('domain_id', '=', domainId).execute();
  await db
    .deleteFrom('identity_assignment')
    .where('target_id', '=', domainId)
    .where('type', 'in', ['UserDomain', 'GroupDomain'])
    .execute();
  // Assignments of these roles and implication rules naming them cascade with the role.
  await db.deleteFrom('identity_role').where('domain_id', '=', domainId).execute();
  await db.deleteFrom('identity_domain_config').where('domain_id', '=', domainId).execute();
  await db.deleteFrom('identity_limit').where('domain_id', '=', domainId).execute();
}
