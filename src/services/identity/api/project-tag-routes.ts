import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { IdentityEnv } from '../env.ts';
import { identityErrors } from '../errors.ts';
import { ApiError } from '../../../core/errors/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { addTag, MAX_PROJECT_TAGS, removeTag, replaceTags, tagsOf } from '../store/project-tags.ts';
import type { Project } from '../store/projects.ts';
import { linkBase } from './base-url.ts';
import { projectTargetOf, requireProject } from './project-common.ts';
import { isImmutable } from './project-lifecycle.ts';
import { ProjectParams, Tag, TagsBody } from './project-schemas.ts';

const TagParams = Type.Object({ project_id: Type.String(), tag: Tag });

const duplicateTag = () =>
  identityErrors.validation("Invalid input for field 'tags': must NOT have duplicate items.");

const tagNotFound = (tag: string) =>
  new ApiError(404, 'identity.project_tag_not_found', `Could not find project tag: ${tag}.`);

function refuseIfImmutable(p: Project, action: 'create' | 'update' | 'delete'): void {
  if (isImmutable(p)) {
    throw identityErrors.forbiddenAction(
      `Cannot ${action} project tags for ${p.id}, project is immutable. Set "immutable" option to false before creating project tags.`,
    );
  }
}

/** Tags after Keystone's normalisation: surrounding spaces dropped, each kept once. */
function normalise(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()))];
}

export function projectTagRoutes(env: IdentityEnv): RouteSpec[] {
  const tagsLink = (base: string, projectId: string) => ({
    self: `${base}/v3/projects/${projectId}/tags`,
  });
  return [
    defineRoute({
      method: 'GET',
      url: '/v3/projects/:project_id/tags',
      policy: 'identity:list_project_tags',
      schema: { params: ProjectParams },
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        return { tags: await tagsOf(env.db, p.id), links: tagsLink(linkBase(env, call), p.id) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v3/projects/:project_id/tags',
      policy: 'identity:update_project_tags',
      schema: { params: ProjectParams, body: TagsBody },
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        refuseIfImmutable(p, 'update');
        const tags = normalise(call.body.tags);
        await env.db.transaction().execute((trx) => replaceTags(trx, p.id, tags));
        return { tags: await tagsOf(env.db, p.id), links: tagsLink(linkBase(env, call), p.id) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/projects/:project_id/tags',
      policy: 'identity:delete_project_tags',
      schema: { params: ProjectParams },
      status: 204,
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        refuseIfImmutable(p, 'update');
        await replaceTags(env.db, p.id, []);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v3/projects/:project_id/tags/:tag',
      policy: 'identity:get_project_tag',
      schema: { params: Type.Object({ project_id: Type.String(), tag: Type.String() }) },
      status: 204,
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        if (!(await tagsOf(env.db, p.id)).includes(call.params.tag))
          throw tagNotFound(call.params.tag);
        return undefined;
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v3/projects/:project_id/tags/:tag',
      policy: 'identity:create_project_tag',
      schema: { params: TagParams },
      status: 201,
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        const tag = call.params.tag.trim();
        const current = await tagsOf(env.db, p.id);
        if (current.includes(tag)) throw duplicateTag();
        if (current.length + 1 > MAX_PROJECT_TAGS) {
          throw identityErrors.validation(
            `Invalid input for field 'tags': must NOT have more than ${MAX_PROJECT_TAGS} items.`,
          );
        }
        refuseIfImmutable(p, 'create');
        try {
          await addTag(env.db, p.id, tag);
        } catch (err) {
          // Another request added the same tag since it was read.
          if (isUniqueViolation(err)) throw duplicateTag();
          throw err;
        }
        call.reply.header(
          'Location',
          `${linkBase(env, call)}/v3/projects/${p.id}/tags/${encodeURIComponent(tag)}`,
        );
        return undefined;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v3/projects/:project_id/tags/:tag',
      policy: 'identity:delete_project_tag',
      schema: { params: Type.Object({ project_id: Type.String(), tag: Type.String() }) },
      status: 204,
      target: (call) => projectTargetOf(env, call.params.project_id),
      async handler(call) {
        const p = await requireProject(env, call.params.project_id);
        refuseIfImmutable(p, 'delete');
        if (!(await removeTag(env.db, p.id, call.params.tag))) throw tagNotFound(call.params.tag);
        return undefined;
      },
    }),
  ];
}
