import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { stageImageData } from '../image-upload.ts';
import { importStores, parseImportRequest } from '../import/import-request.ts';
import { beginImport, recordNothingToCopy } from '../import/import-state.ts';
import { importUriAllowed, uriFilterOf } from '../import/uri-filter.ts';
import { findTask, tasksOfImage, type ImageTask } from '../store/tasks.ts';
import { assertMutable, callerOf, imageInReach, imageRouteTarget } from './image-access.ts';
import { contentLength, uploadSource } from './data-routes.ts';
import { glanceTime, taskView } from './image-views.ts';

const ImageParams = Type.Object({ image_id: Type.String() });
const TaskParams = Type.Object({ task_id: Type.String() });

/** A task as GET /v2/tasks/{id} shows it (Glance's tasks ResponseSerializer._format_task). */
function taskDetail(t: ImageTask): Record<string, unknown> {
  return {
    id: t.id,
    input: t.input,
    type: t.type,
    status: t.status,
    owner: t.owner,
    message: t.message,
    result: t.result,
    created_at: glanceTime(t.createdAt),
    updated_at: glanceTime(t.updatedAt),
    self: `/v2/tasks/${t.id}`,
    schema: '/v2/schemas/task',
    image_id: t.imageId,
    ...(t.requestId ? { request_id: t.requestId } : {}),
    ...(t.userId ? { user_id: t.userId } : {}),
    ...(t.expiresAt ? { expires_at: glanceTime(t.expiresAt) } : {}),
  };
}

function header(call: ApiCall, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const importMethodName = (body: unknown): unknown =>
  typeof body === 'object' && body !== null
    ? (body as { method?: { name?: unknown } }).method?.name
    : undefined;

/** The import method's status rule (Glance's import_image checks, in its order). */
function checkImportable(method: string, status: string): void {
  if (status === 'active' && method !== 'copy-image')
    throw imageErrors.conflict('Image with status active cannot be target for import');
  if (status !== 'active' && method === 'copy-image')
    throw imageErrors.conflict('Only images with status active can be targeted for copying');
  if (status !== 'queued' && method === 'web-download')
    throw imageErrors.conflict(`Image needs to be in 'queued' state to use '${method}' method`);
  if (status !== 'uploading' && method === 'glance-direct')
    throw imageErrors.conflict(
      "Image needs to be staged before 'glance-direct' method can be used",
    );
}

/**
 * Interoperable image import: PUT /v2/images/{id}/stage, POST /v2/images/{id}/import and
 * GET /v2/images/{id}/tasks (2.12). The import itself runs in the import runner.
 */
export function importRoutes(env: ImageEnv): RouteSpec[] {
  const target = imageRouteTarget(env);
  return [
    defineRoute({
      // Stage has no policy of its own in Glance: it checks modify_image.
      method: 'PUT',
      url: '/v2/images/:image_id/stage',
      policy: 'modify_image',
      target,
      schema: { params: ImageParams },
      status: 204,
      async handler(call) {
        if (!env.settings.enabled_import_methods.includes('glance-direct')) {
          throw imageErrors.notFound("'glance-direct' method is not available at this site.");
        }
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        const source = uploadSource(call);
        try {
          await stageImageData(env, image, source.data, { expectedSize: contentLength(call) });
        } catch (err) {
          source.drain();
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/images/:image_id/import',
      policy: {
        rules: ['modify_image', 'copy_image'],
        choose: (call) =>
          importMethodName(call.body) === 'copy-image' ? 'copy_image' : 'modify_image',
      },
      target,
      schema: { params: ImageParams, body: Type.Unknown() },
      status: 202,
      async handler(call) {
        const req = parseImportRequest(call.body, env.settings.enabled_import_methods);
        const project = projectIdOf(call.ctx.auth);
        await env.quotas.enforce(project ?? null, { image_size_total: 0 });
        const { image } = await imageInReach(env, call, call.params.image_id);
        checkImportable(req.method, image.status);
        if (!image.containerFormat)
          throw imageErrors.conflict("'container_format' needs to be set before import");
        if (!image.diskFormat)
          throw imageErrors.conflict("'disk_format' needs to be set before import");
        // Only copy-image lets a policy reach images of other projects (Glance's copy_image).
        if (req.method !== 'copy-image') assertMutable(call, image);

        let stores = importStores(req, header(call, 'x-image-meta-store'), [...env.stores.keys()]);
        if (req.method === 'copy-image') {
          const present = image.locations.map((l) => l.storeId);
          if (req.allStores) {
            stores = stores.filter((s) => !present.includes(s));
            // Glance answers 202 and does nothing when every store has the image already;
            // the progress properties then say that nothing is left to copy.
            if (stores.length === 0) return recordNothingToCopy(env.db, image.id);
          } else {
            const already = stores.find((s) => present.includes(s));
            if (already)
              throw imageErrors.badRequest(`Image is already present at store '${already}'`);
          }
        }
        if (
          req.method === 'web-download' &&
          !importUriAllowed(req.uri, uriFilterOf(env.settings))
        ) {
          throw imageErrors.badRequest(
            `URI for web-download does not pass filtering: ${req.uri ?? 'None'}`,
          );
        }
        const caller = callerOf(call);
        await beginImport(
          env.db,
          {
            task: {
              id: randomUUID(),
              imageId: image.id,
              owner: caller.projectId ?? '',
              userId: call.ctx.auth.userId,
              requestId: call.requestId,
              input: { image_id: image.id, import_req: req.body, backend: stores },
            },
            method: req.method,
            stores,
            stagingId: env.staging.id,
          },
          env.now(),
        );
        env.importer.kick();
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v2/images/:image_id/tasks',
      policy: 'get_image',
      target,
      schema: { params: ImageParams },
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        return { tasks: (await tasksOfImage(env.db, image.id)).map(taskView) };
      },
    }),
    defineRoute({
      // The tasks API is admin-only by default (tasks_api_access); get_task then applies.
      method: 'GET',
      url: '/v2/tasks/:task_id',
      policy: 'tasks_api_access',
      schema: { params: TaskParams },
      async handler(call) {
        call.authorize('get_task');
        const task = await findTask(env.db, call.params.task_id);
        const caller = callerOf(call);
        if (!task || (!caller.isAdmin && task.owner !== caller.projectId)) {
          throw imageErrors.notFound(`Task with the given id ${call.params.task_id} not found`);
        }
        return taskDetail(task);
      },
    }),
  ];
}
