import { domainIdOf } from '../../../core/auth/index.ts';
import { defineRoute, parseBoolParam, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { isEmptyTagFilter, tagsOf, tagsOfProjects, type TagFilter } from '../store/project-tags.ts';
import { ancestorsOf, listProjects, subtreeOf, type Project } from '../store/projects.ts';
import { linkBase } from './base-url.ts';
import {
  commaList,
  extraAttributes,
  listLimit,
  projectTargetOf,
  requireProject,
} from './project-common.ts';
import { parentsAsIds, projectsWithRoleFor, queryFlag, subtreeAsIds } from './project-hierarchy.ts';
import { createProject, deleteProject, updateProject } from './project-lifecycle.ts';
import {
  ProjectCreateBody,
  ProjectListQuery,
  ProjectParams,
  ProjectShowQuery,
  ProjectUpdateBody,
} from './project-schemas.ts';
import { projectView } from './project-views.ts';
import { collection, queryOf } from './views.ts';

/** Project views with their tags, read in one query. */
async function viewsOf(env: IdentityEnv, base: string, projects: readonly Project[]) {
  const tags = await tagsOfProjects(
    env.db,
    projects.map((p) => p.id),
  );
  return projects.map((p) => projectView(p, base, tags.get(p.id) ?? []));
}

function tagFilterOf(query: Readonly<Record<string, unknown>>): TagFilter | undefined {
  const f: TagFilter = {
    all: commaList(query.tags),
    any: commaList(query['tags-any']),
    notAll: commaList(query['not-tags']),
    notAny: commaList(query['not-tags-any']),
  };
  return isEmptyTagFilter(f) ? undefined : f;
}

export function projectRoutes(env: IdentityEnv): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/projects',
      policy: 'identity:list_projects',
      schema: { querystring: ProjectListQuery },
      target(call) {
        const domainId = domainIdOf(call.ctx.auth);
        return domainId ? { 'target.domain_id': domainId } : {};
      },
      async handler(call) {
        const q = call.query;
        // A domain-scoped caller sees only the projects of its domain.
        const scopeDomain = domainIdOf(call.ctx.auth);
        if (scopeDomain && q.domain_id !== undefined && q.domain_id !== scopeDomain) {
          return collection('projects', [], {
            baseUrl: linkBase(env, call),
            path: 'projects',
            query: queryOf(call.request.url),
          });
        }
        const limit = listLimit(env);
        const tags = tagFilterOf(q);
        const domainId = scopeDomain ?? q.domain_id;
        const rows = await listProjects(env.db, {
          ...(q.name !== undefined ? { name: q.name } : {}),
          ...(domainId !== undefined ? { domainId } : {}),
          ...(q.parent_id !== undefined ? { parentId: q.parent_id } : {}),
          ...(q.enabled !== undefined ? { enabled: parseBoolParam('enabled', q.enabled)! } : {}),
          // Without is_domain, domains are left out, as in Keystone.
          isDomain: q.is_domain === undefined ? false : parseBoolParam('is_domain', q.is_domain)!,
          ...(tags ? { tags } : {}),
          ...(limit.fetch !== undefined ? { limit: limit.fetch } : {}),
        });
        const { items, truncated } = limit.cut(rows);
        const base = linkBase(env, call);
        return collection('projects', await viewsOf(env, base, items), {
          baseUrl: base,
          path: 'projects',
          query: queryOf(call.request.url),
          truncated,
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v3/projects',
      policy: 'identity:create_project',
      schema: { body: ProjectCreateBody },
      status: 201,
      target(call) {
        const p = call.body.project;
        return {
          'target.project.name': p.name,
          'target.project.domain_id': p.domain_id,
          'target.project.parent_id': p.parent_id,
          'target.project.is_domain': p.is_domain,
        };
      },
      async handler(call) {
        const body = call.body.project;
        const created = await createProject(
          env,
          {
            name: body.name,
            description: body.description,
            domainId: body.domain_id,
            parentId: body.parent_id,
            enabled: body.enabled,
            isDomain: body.is_domain ?? false,
            tags: body.tags,
            options: body.options,
            extra: extraAttributes(body),
          },
          domainIdOf(call.ctx.auth),
        );
        return {
          project: projectView(created, linkBase(env, call), await tagsOf(env.db, created.id)),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/projects/:project_id',
      policy: 'identity:get_project',
      schema: { params: ProjectParams, querystring: ProjectShowQuery },
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        const q = call.query;
        const flags = {
          parentsList: queryFlag(q, 'parents_as_list'),
          parentsIds: queryFlag(q, 'parents_as_ids'),
          subtreeList: queryFlag(q, 'subtree_as_list'),
          subtreeIds: queryFlag(q, 'subtree_as_ids'),
        };
        if (flags.parentsList && flags.parentsIds) {
          throw identityErrors.validation(
            'Cannot use parents_as_list and parents_as_ids query params at the same time.',
          );
        }
        if (flags.subtreeList && flags.subtreeIds) {
          throw identityErrors.validation(
            'Cannot use subtree_as_list and subtree_as_ids query params at the same time.',
          );
        }
        const base = linkBase(env, call);
        const view = projectView(p, base, await tagsOf(env.db, p.id));
        const userId = call.ctx.auth.userId;
        if (flags.parentsList || flags.parentsIds) {
          const parents = await ancestorsOf(env.db, p);
          view.parents = flags.parentsIds
            ? parentsAsIds(p, parents)
            : (await viewsOf(env, base, await projectsWithRoleFor(env.db, userId, parents))).map(
                (v) => ({ project: v }),
              );
        }
        if (flags.subtreeList || flags.subtreeIds) {
          const subtree = await subtreeOf(env.db, p.id);
          view.subtree = flags.subtreeIds
            ? subtreeAsIds(p.id, subtree)
            : (await viewsOf(env, base, await projectsWithRoleFor(env.db, userId, subtree))).map(
                (v) => ({ project: v }),
              );
        }
        return { project: view };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v3/projects/:project_id',
      policy: 'identity:update_project',
      schema: { params: ProjectParams, body: ProjectUpdateBody },
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        const body = call.body.project as Readonly<Record<string, unknown>> &
          typeof call.body.project;
        if (body.id !== undefined && body.id !== p.id)
          throw identityErrors.validation('Cannot change ID');
        const updated = await updateProject(
          env,
          p,
          {
            name: body.name,
            description: body.description,
            enabled: body.enabled,
            domainId: body.domain_id,
            parentId: body.parent_id,
            isDomain: body.is_domain,
            tags: body.tags,
            options: body.options,
            extra: extraAttributes(body),
          },
          Object.keys(body),
        );
        return {
          project: projectView(updated, linkBase(env, call), await tagsOf(env.db, updated.id)),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/projects/:project_id',
      policy: 'identity:delete_project',
      schema: { params: ProjectParams },
      status: 204,
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        await deleteProject(env, await requireProject(env, call.params.project_id));
        return undefined;
      },
    }),
  ];
}
