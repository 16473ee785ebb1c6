import { Type } from 'typebox';
import { projectIdOf } from '../../../core/auth/index.ts';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { ApiError } from '../../../core/errors/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { removeCopies } from '../image-data.ts';
import { isVisible } from '../image-model.ts';
import { parseImagePatch, patchDraft } from '../image-patch.ts';
import { applyImagePatch, checkImageQuotas } from '../image-update.ts';
import { imageSchema } from '../schemas/image-schemas.ts';
import { schemaValidator } from '../schemas/validate.ts';
import { findImage, hydrateImages, imageIdTaken, insertImage, saveImageChanges } from '../store/images.ts';
import { listImageRows, markerRow } from '../store/image-list.ts';
import { dropCopyUnlessLast, markImageDeleted } from '../store/locations.ts';
import { findMember } from '../store/members.ts';
import { parseCreateBody } from './image-create.ts';
import { assertMutable, callerOf, forgetLoaded, imageInReach, imageRouteTarget, imageTarget, locationExposure } from './image-access.ts';
import { parseImageListQuery } from './image-list-query.ts';
import { imageView, withQuery } from './image-views.ts';

const ImageParams = Type.Object({ image_id: Type.String() });
const AnyQuery = Type.Object({}, { additionalProperties: true });

/** A path Glance's router does not know (`/v2/images/` is not the image list there). */
function refuseTrailingSlash(call: ApiCall): void {
  if (call.request.url.split('?')[0]!.endsWith('/')) throw new ApiError(404, 'not_found', 'The resource could not be found.');
}

/** Visibility changes need their own rule on top of modify_image (Glance's _enforce_image_visibility). */
export function authorizeVisibility(call: ApiCall, visibility: unknown, target: Record<string, unknown>): void {
  if (visibility === 'public') call.authorize('publicize_image', target);
  else if (visibility === 'community') call.authorize('communitize_image', target);
}

export function imageRoutes(env: ImageEnv): RouteSpec[] {
  const validate = schemaValidator(imageSchema({ container: env.settings.container_formats, disk: env.settings.disk_formats }));
  const limits = { properties: env.settings.image_property_quota, tags: env.settings.image_tag_quota };
  const target = imageRouteTarget(env);

  return [
    defineRoute({
      method: 'GET',
      url: '/v2/images',
      policy: 'get_images',
      target: (call) => ({ project_id: projectIdOf(call.ctx.auth) }),
      schema: { querystring: AnyQuery },
      async handler(call) {
        refuseTrailingSlash(call);
        const params = parseImageListQuery(call, env.settings);
        const caller = callerOf(call);
        let marker;
        if (params.marker !== undefined) {
          marker = await markerRow(env.db, params.marker);
          const [image] = marker ? await hydrateImages(env.db, [marker]) : [];
          const member = image && caller.projectId ? await findMember(env.db, image.id, caller.projectId) : undefined;
          if (!image || !isVisible(image, caller, member !== undefined)) throw imageErrors.badRequest(`No image found with ID ${params.marker}`);
        }
        const rows = await listImageRows(env.db, { ...params.query, caller, marker, limit: params.limit });
        const images = (await hydrateImages(env.db, rows)).filter((image) => {
          const memberId = image.visibility === 'shared' && image.owner !== caller.projectId ? caller.projectId : undefined;
          return call.can('get_image', imageTarget(image, memberId));
        });
        const exposure = locationExposure(env, call);
        const qs = new URLSearchParams(call.request.url.split('?')[1] ?? '');
        const body: Record<string, unknown> = {
          images: images.map((image) => imageView(image, exposure)),
          first: withQuery('/v2/images', qs, { marker: undefined }),
          schema: '/v2/schemas/images',
        };
        if (images.length && rows.length === params.limit) body.next = withQuery('/v2/images', qs, { marker: images[images.length - 1]!.id });
        return body;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/images',
      policy: 'add_image',
      target: (call) => {
        const body = (call.body ?? {}) as Record<string, unknown>;
        const project = projectIdOf(call.ctx.auth);
        const owner = typeof body === 'object' && body && Object.hasOwn(body, 'owner') ? body.owner : project;
        return { project_id: owner, owner, visibility: typeof body.visibility === 'string' ? body.visibility : 'private' };
      },
      schema: { body: Type.Unknown() },
      status: 201,
      async handler(call) {
        const input = parseCreateBody(call.body, validate);
        const caller = callerOf(call);
        const owner = input.ownerGiven ? input.owner : (caller.projectId ?? null);
        const policyTarget = { project_id: owner, owner, visibility: input.visibility };
        authorizeVisibility(call, input.visibility, policyTarget);
        if (!caller.isAdmin && owner !== caller.projectId) throw imageErrors.forbidden(`You are not permitted to create images owned by '${String(owner)}'.`);
        checkImageQuotas(input, limits);
        await env.quotas.enforce(caller.projectId ?? null, { image_count_total: 1 });
        if (await imageIdTaken(env.db, input.id)) throw imageErrors.conflict(`Image with identifier ${input.id} already exists!`);
        try {
          await insertImage(env.db, { ...input, owner }, env.now());
        } catch (err) {
          if (isUniqueViolation(err)) throw imageErrors.conflict(`Image with identifier ${input.id} already exists!`);
          throw err;
        }
        const image = await findImage(env.db, input.id);
        call.reply.header('location', `${call.baseUrl}/v2/images/${input.id}`);
        call.reply.header('OpenStack-image-import-methods', env.settings.enabled_import_methods.join(','));
        call.reply.header('OpenStack-image-store-ids', [...env.stores.keys()].join(','));
        return imageView(image!, locationExposure(env, call));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v2/images/:image_id',
      policy: 'get_image',
      target,
      schema: { params: ImageParams },
      async handler(call) {
        return imageView((await imageInReach(env, call, call.params.image_id)).image, locationExposure(env, call));
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v2/images/:image_id',
      policy: 'modify_image',
      target,
      schema: { params: ImageParams, body: Type.Unknown() },
      async handler(call) {
        const draftVersion = patchDraft(call.headers['content-type']);
        const { image, target: policyTarget } = await imageInReach(env, call, call.params.image_id);
        const changes = parseImagePatch(call.body, draftVersion, validate);
        const caller = callerOf(call);
        const draft = applyImagePatch(image, changes, {
          isAdmin: caller.isAdmin,
          locations: {
            visible: env.settings.show_multiple_locations,
            authorize: (rule) => {
              call.authorize(rule, policyTarget);
              assertMutable(call, image);
            },
          },
          authorizeChange: (attr, value) => {
            if (attr === 'visibility') authorizeVisibility(call, value, policyTarget);
            assertMutable(call, image);
          },
        });
        checkImageQuotas(draft, limits, image);
        if (changes.length && !(await saveImageChanges(env.db, image, draft, env.now()))) throw imageErrors.imageNotFound(image.id);
        // a removed location's data goes from its store, as in Glance; the last one never does
        for (const location of draft.droppedLocations) {
          const copy = await dropCopyUnlessLast(env.db, image.id, location.storeId, env.now());
          if (!copy) throw imageErrors.forbidden('Cannot remove last location in the image.');
          await removeCopies(env, [copy]);
        }
        forgetLoaded(call);
        const saved = await findImage(env.db, image.id);
        if (!saved) throw imageErrors.imageNotFound(image.id);
        return imageView(saved, locationExposure(env, call));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v2/images/:image_id',
      policy: 'delete_image',
      target,
      schema: { params: ImageParams },
      status: 204,
      async handler(call) {
        const id = call.params.image_id;
        const { image } = await imageInReach(env, call, id);
        assertMutable(call, image);
        if (image.protected) throw imageErrors.forbidden(`Image ${id} is protected and cannot be deleted.`);
        const copies = await markImageDeleted(env.db, id, env.now());
        if (!copies) throw imageErrors.notFound(`Failed to find image ${id} to delete`);
        await env.staging.discard(id).catch((err: unknown) => env.logger.warn({ err, image_id: id }, 'removing staged data failed'));
        await removeCopies(env, copies);
      },
    }),
    defineRoute({
      // Glance's router answers DELETE /v2/images/ (an empty image id) with 404, not 405.
      method: 'DELETE',
      url: '/v2/images',
      auth: 'none',
      policy: null,
      handler(call) {
        refuseTrailingSlash(call);
        throw new ApiError(405, 'method_not_allowed', 'The method DELETE is not allowed for this resource.', { headers: { allow: 'GET, POST' } });
      },
    }),
  ];
}
