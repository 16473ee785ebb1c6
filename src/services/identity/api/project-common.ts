import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { getDomain, getProjectRow, type Project } from '../store/projects.ts';

/**
 * Pieces the project, domain and tag routes share: policy targets in Keystone's flattened
 * form, loading the entity a path names, and separating extra attributes from a body.
 */

/** `target.project.*` as Keystone builds it from the stored project. */
export function projectTarget(p: Project): Record<string, unknown> {
  return {
    'target.project.id': p.id,
    'target.project.name': p.name,
    'target.project.domain_id': p.isDomain ? null : p.domainId,
    'target.project.parent_id': p.parentId,
    'target.project.is_domain': p.isDomain,
    'target.project.enabled': p.enabled,
  };
}

export function domainTarget(d: Project): Record<string, unknown> {
  return {
    'target.domain.id': d.id,
    'target.domain.name': d.name,
    'target.domain.enabled': d.enabled,
  };
}

/**
 * The policy target of a route naming a project. An unknown project gives an empty target,
 * so a caller without a broad rule gets 403 and learns nothing, while an admin passes the
 * policy and then gets the 404.
 */
export async function projectTargetOf(
  env: IdentityEnv,
  projectId: string,
): Promise<Record<string, unknown>> {
  const p = await getProjectRow(env.db, projectId);
  return p ? projectTarget(p) : {};
}

export async function domainTargetOf(
  env: IdentityEnv,
  domainId: string,
): Promise<Record<string, unknown>> {
  const d = await getDomain(env.db, domainId);
  return d ? domainTarget(d) : {};
}

/** Any row of the project table (the projects API also serves domains), or 404. */
export async function requireProject(env: IdentityEnv, projectId: string): Promise<Project> {
  const p = await getProjectRow(env.db, projectId);
  if (!p) throw identityErrors.projectNotFound(projectId);
  return p;
}

export async function requireDomain(env: IdentityEnv, domainId: string): Promise<Project> {
  const d = await getDomain(env.db, domainId);
  if (!d) throw identityErrors.domainNotFound(domainId);
  return d;
}

/** Body fields the API defines or computes; everything else a client sends is kept as extra. */
const NOT_EXTRA = new Set([
  'id',
  'name',
  'description',
  'domain_id',
  'parent_id',
  'enabled',
  'is_domain',
  'tags',
  'options',
  'links',
  'explicit_domain_id',
]);

export function extraAttributes(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!NOT_EXTRA.has(k)) extra[k] = v;
  return extra;
}

/** Splits a comma-separated query value (`tags=a,b`); undefined when absent. */
export function commaList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return String(value).split(',');
}

/**
 * Keystone's list_limit: a list is cut to that many entries and flagged `truncated`. The
 * store is asked for one more row than the limit so a cut can be told from an exact fit.
 */
export function listLimit(env: IdentityEnv): {
  fetch: number | undefined;
  cut<T>(rows: readonly T[]): { items: T[]; truncated: boolean };
} {
  const limit = env.settings.list_limit;
  return {
    fetch: limit > 0 ? limit + 1 : undefined,
    cut: (rows) =>
      limit > 0 && rows.length > limit
        ? { items: rows.slice(0, limit), truncated: true }
        : { items: [...rows], truncated: false },
  };
}
