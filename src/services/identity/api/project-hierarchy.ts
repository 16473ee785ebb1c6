import type { IdentityDb } from '../store/db.ts';
import { assignedRoleIds } from '../store/effective-roles.ts';
import type { Project } from '../store/projects.ts';
import type { IdentitySettings } from '../env.ts';

/**
 * Keystone's max_project_tree_depth default. Not an option of ours yet: the default is what
 * every deployment we know of runs with.
 */
export const MAX_PROJECT_TREE_DEPTH = 5;

/**
 * The deepest a project may sit, counting its domain as level 1 (Keystone adds one to
 * max_project_tree_depth for the domain since domains became projects). The
 * strict_two_level limit model caps it further at two project levels.
 */
export function maxHierarchyDepth(settings: Pick<IdentitySettings, 'unified_limit_model'>): number {
  const depth = MAX_PROJECT_TREE_DEPTH + 1;
  return settings.unified_limit_model === 'strict_two_level' ? Math.min(depth, 3) : depth;
}

/** Nested ids of a project's parents, nearest first: {parent: {grandparent: {domain: null}}}. */
export function parentsAsIds(
  project: Project,
  parents: readonly Project[],
): Record<string, unknown> | null {
  const byId = new Map(parents.map((p) => [p.id, p]));
  const walk = (p: Project, seen: Set<string>): Record<string, unknown> | null => {
    const parent = p.parentId ? byId.get(p.parentId) : undefined;
    if (!parent || seen.has(parent.id)) return null;
    seen.add(parent.id);
    return { [parent.id]: walk(parent, seen) };
  };
  return walk(project, new Set([project.id]));
}

/** Nested ids of a project's subtree: {child: {grandchild: null}}, or null for a leaf. */
export function subtreeAsIds(
  projectId: string,
  subtree: readonly Project[],
): Record<string, unknown> | null {
  const byParent = new Map<string, Project[]>();
  for (const p of subtree) {
    if (!p.parentId) continue;
    byParent.set(p.parentId, [...(byParent.get(p.parentId) ?? []), p]);
  }
  const walk = (id: string, seen: Set<string>): Record<string, unknown> | null => {
    const children = (byParent.get(id) ?? []).filter((c) => !seen.has(c.id));
    if (children.length === 0) return null;
    const out: Record<string, unknown> = {};
    for (const c of children) {
      seen.add(c.id);
      out[c.id] = walk(c.id, seen);
    }
    return out;
  };
  return walk(projectId, new Set([projectId]));
}

/**
 * The projects of a list on which the user holds a role (directly, through a group or
 * inherited), as Keystone filters parents_as_list and subtree_as_list. Domains never
 * qualify: a role on a domain is not a role on a project.
 */
export async function projectsWithRoleFor(
  db: IdentityDb,
  userId: string,
  projects: readonly Project[],
): Promise<Project[]> {
  const out: Project[] = [];
  for (const p of projects) {
    if (p.isDomain) continue;
    if ((await assignedRoleIds(db, userId, { kind: 'project', project: p })).size > 0) out.push(p);
  }
  return out;
}

/**
 * Keystone's reading of a boolean query flag such as `?subtree_as_list`: present and not
 * '0' means true, so the bare flag counts.
 */
export function queryFlag(query: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.hasOwn(query, name) && query[name] !== '0';
}
