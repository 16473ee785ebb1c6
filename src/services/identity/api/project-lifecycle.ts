import { isUniqueViolation } from '../../../core/db/index.ts';
import { identityErrors } from '../errors.ts';
import type { IdentityEnv } from '../env.ts';
import { DEFAULT_DOMAIN_ID, newId } from '../ids.ts';
import type { IdentityDb } from '../store/db.ts';
import { removeDomainContents, removeProjectReferences } from '../store/project-cleanup.ts';
import { replaceTags } from '../store/project-tags.ts';
import {
  ancestorsOf,
  deleteProjectRow,
  getDomain,
  getProjectRow,
  hasChildren,
  insertProject,
  projectsInDomain,
  subtreeOf,
  updateProjectRow,
  type Project,
} from '../store/projects.ts';
import { ROOT_DOMAIN } from '../store/tables.ts';
import { maxHierarchyDepth } from './project-hierarchy.ts';

/**
 * The rules Keystone's resource manager applies to projects and domains (a domain is a
 * project acting as one): where a project may sit in the hierarchy, what an update may
 * change, and what must hold before a delete, which then removes everything that refers
 * to the deleted rows and revokes their tokens.
 */

export interface ProjectCreate {
  /** An explicit id (domains only, `explicit_domain_id`); otherwise a new one. */
  readonly id?: string | undefined;
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly domainId?: string | null | undefined;
  readonly parentId?: string | null | undefined;
  readonly enabled?: boolean | undefined;
  readonly isDomain: boolean;
  readonly tags?: readonly string[] | undefined;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Body fields of an update; absent means unchanged. */
export interface ProjectUpdate {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
  readonly domainId?: string | null | undefined;
  readonly parentId?: string | null | undefined;
  readonly isDomain?: boolean | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly extra: Readonly<Record<string, unknown>>;
}

type Kind = 'project' | 'domain';

const kindOf = (p: Project): Kind => (p.isDomain ? 'domain' : 'project');

function nameConflict(isDomain: boolean, name: string, id: string) {
  return identityErrors.conflict(
    isDomain
      ? `Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: ${name}.`
      : `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${name}, project id ${id}.`,
  );
}

export function isImmutable(p: Pick<Project, 'options'>): boolean {
  return p.options.immutable === true;
}

export function immutableUpdateForbidden(kind: Kind, id: string) {
  return identityErrors.forbiddenAction(
    `Unable to update immutable ${kind} resource: \`${id}. Set resource option "immutable" to false first.`,
  );
}

function immutableDeleteForbidden(kind: Kind, id: string) {
  return identityErrors.forbiddenAction(
    `Unable to delete immutable ${kind} resource: \`${id}. Set resource option "immutable" to false first.`,
  );
}

/** Options after an update: given keys replace stored ones, null removes one. */
function mergeOptions(
  stored: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
) {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

async function mustReload(db: IdentityDb, id: string): Promise<Project> {
  const p = await getProjectRow(db, id);
  if (!p) throw identityErrors.projectNotFound(id);
  return p;
}

/** Where a new regular project goes: its domain and parent must exist, agree and be enabled. */
async function checkPlacement(env: IdentityEnv, domainId: string, parentId: string): Promise<void> {
  const domain = await getDomain(env.db, domainId);
  if (!domain) throw identityErrors.validation(`Could not find domain: ${domainId}.`);
  const parent = await getProjectRow(env.db, parentId);
  if (!parent) throw identityErrors.validation(`Could not find project: ${parentId}.`);
  if (parent.isDomain && parent.id !== domain.id) {
    throw identityErrors.validation(
      `Cannot create project, the parent (${parent.id}) is acting as a domain, but this project's domain id (${domain.id}) does not match the parent's id.`,
    );
  }
  if (!parent.isDomain && parent.domainId !== domain.id) {
    throw identityErrors.validation(
      `Cannot create project, since it specifies its domain_id ${domain.id}, but specifies a parent in a different domain (${parent.domainId}).`,
    );
  }
  const branch = [parent, ...(await ancestorsOf(env.db, parent))];
  const disabled = branch.find((p) => !p.enabled);
  if (disabled) {
    throw identityErrors.validation(
      `cannot create a project in a branch containing a disabled project: ${disabled.id}`,
    );
  }
  if (branch.length + 1 > maxHierarchyDepth(env.settings)) {
    throw identityErrors.forbiddenAction(`Max hierarchy depth reached for ${parent.id} branch.`);
  }
}

/**
 * Creates a project or a domain. A regular project without a domain goes to the
 * caller's domain-scoped token's domain, else the default domain; without a parent it is
 * top-level (its parent is its domain).
 */
export async function createProject(
  env: IdentityEnv,
  input: ProjectCreate,
  scopeDomainId?: string,
): Promise<Project> {
  const id = input.id ?? newId();
  const name = input.name.trim();
  let domainId = input.domainId || null;
  if (!input.isDomain && !domainId) domainId = scopeDomainId ?? DEFAULT_DOMAIN_ID;
  const parentId = input.parentId || domainId;
  if (input.isDomain) {
    if (parentId)
      throw identityErrors.validation('only root projects are allowed to act as domains.');
  } else {
    await checkPlacement(env, domainId!, parentId!);
  }
  const options = mergeOptions({}, input.options ?? {});
  try {
    await env.db.transaction().execute(async (trx) => {
      await insertProject(trx, {
        id,
        name,
        domainId: input.isDomain ? ROOT_DOMAIN : domainId!,
        parentId: input.isDomain ? null : parentId,
        isDomain: input.isDomain,
        enabled: input.enabled ?? true,
        description: input.description ?? '',
        extra: input.extra,
        options,
      });
      await replaceTags(trx, id, input.tags ?? []);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(input.isDomain, name, id);
    throw err;
  }
  return mustReload(env.db, id);
}

/** Keystone's immutable rule: the only update allowed is one that clears `immutable`. */
function allowedOnImmutable(update: ProjectUpdate, bodyKeys: readonly string[]): boolean {
  const immutable = update.options?.immutable;
  return (
    bodyKeys.length === 1 &&
    bodyKeys[0] === 'options' &&
    (immutable === false || immutable === null)
  );
}

/**
 * Applies an update. `bodyKeys` are the fields the client sent (for the immutable rule).
 * Disabling revokes the tokens scoped to the project (or the domain).
 */
export async function updateProject(
  env: IdentityEnv,
  original: Project,
  update: ProjectUpdate,
  bodyKeys: readonly string[],
): Promise<Project> {
  const kind = kindOf(original);
  const originalDomainId = original.isDomain ? null : original.domainId;
  if (update.domainId !== undefined && update.domainId !== originalDomainId) {
    throw identityErrors.validation('Cannot change Domain ID');
  }
  if (isImmutable(original) && !allowedOnImmutable(update, bodyKeys)) {
    throw immutableUpdateForbidden(kind, original.id);
  }
  if (update.parentId !== undefined && update.parentId !== original.parentId) {
    throw identityErrors.forbiddenAction('Update of `parent_id` is not allowed.');
  }
  if (update.isDomain !== undefined && update.isDomain !== original.isDomain) {
    throw identityErrors.validation('Update of `is_domain` is not allowed.');
  }
  const enabling = update.enabled === true && !original.enabled;
  const disabling = update.enabled === false && original.enabled;
  if (enabling && (await ancestorsOf(env.db, original)).some((p) => !p.enabled)) {
    throw identityErrors.forbiddenAction(
      `Cannot enable project ${original.id} since it has disabled parents`,
    );
  }
  // A domain may be disabled with enabled projects in it: that disables them in effect.
  if (
    disabling &&
    !original.isDomain &&
    (await subtreeOf(env.db, original.id)).some((p) => p.enabled)
  ) {
    throw identityErrors.forbiddenAction(
      `Cannot disable project ${original.id} since its subtree contains enabled projects.`,
    );
  }
  const name = update.name?.trim();
  try {
    await env.db.transaction().execute(async (trx) => {
      await updateProjectRow(trx, original.id, {
        ...(name !== undefined ? { name } : {}),
        ...(update.description !== undefined ? { description: update.description ?? '' } : {}),
        ...(update.enabled !== undefined ? { enabled: update.enabled } : {}),
        ...(Object.keys(update.extra).length
          ? { extra: { ...original.extra, ...update.extra } }
          : {}),
        ...(update.options !== undefined
          ? { options: mergeOptions(original.options, update.options) }
          : {}),
      });
      if (update.tags !== undefined) await replaceTags(trx, original.id, update.tags);
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw nameConflict(original.isDomain, name ?? original.name, original.id);
    throw err;
  }
  if (disabling) {
    await env.revocations.revoke(
      original.isDomain
        ? { domainId: original.id, issuedBefore: env.now() }
        : { projectId: original.id, issuedBefore: env.now() },
    );
  }
  return mustReload(env.db, original.id);
}

/** Deletes a leaf project, or a domain when given one (the projects API deletes domains too). */
export async function deleteProject(env: IdentityEnv, project: Project): Promise<void> {
  if (project.isDomain) return deleteDomain(env, project);
  if (isImmutable(project)) throw immutableDeleteForbidden('project', project.id);
  if (await hasChildren(env.db, project.id)) {
    throw identityErrors.forbiddenAction(
      `Cannot delete the project ${project.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
    );
  }
  const now = env.now();
  await env.db.transaction().execute(async (trx) => {
    await removeProjectReferences(trx, project.id, now);
    await deleteProjectRow(trx, project.id);
  });
  await env.revocations.revoke({ projectId: project.id, issuedBefore: now });
}

/**
 * Deletes a disabled domain and everything in it: its projects (leaves first), users,
 * groups, domain roles, the assignments on and of all of them, its configuration.
 */
export async function deleteDomain(env: IdentityEnv, domain: Project): Promise<void> {
  if (isImmutable(domain)) throw immutableDeleteForbidden('domain', domain.id);
  if (domain.enabled) {
    throw identityErrors.forbiddenAction(
      'Cannot delete a domain that is enabled, please disable it first.',
    );
  }
  const tree = await subtreeOf(env.db, domain.id);
  const stray = (await projectsInDomain(env.db, domain.id)).filter(
    (p) => !tree.some((t) => t.id === p.id),
  );
  // Checked before anything is deleted, so a refused delete leaves the domain whole.
  const immutable = [...tree, ...stray].find(isImmutable);
  if (immutable) throw immutableDeleteForbidden('project', immutable.id);
  const now = env.now();
  await env.db.transaction().execute(async (trx) => {
    for (const p of [...tree].reverse().concat(stray)) {
      await removeProjectReferences(trx, p.id, now);
      await deleteProjectRow(trx, p.id);
    }
    await removeDomainContents(trx, domain.id);
    await removeProjectReferences(trx, domain.id, now);
    await deleteProjectRow(trx, domain.id);
  });
  await env.revocations.revoke({ domainId: domain.id, issuedBefore: now });
}
