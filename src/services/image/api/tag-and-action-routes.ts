import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { checkImageQuotas } from '../image-update.ts';
import { changeStatus, touchImage, writeTags } from '../store/images.ts';
import { assertMutable, imageInReach, imageRouteTarget } from './image-access.ts';

const TagParams = Type.Object({ image_id: Type.String(), tag_value: Type.String() });
const ImageParams = Type.Object({ image_id: Type.String() });

/** PUT/DELETE /v2/images/{id}/tags/{tag}, deactivate and reactivate. */
export function tagAndActionRoutes(env: ImageEnv): RouteSpec[] {
  const target = imageRouteTarget(env);
  return [
    defineRoute({
      method: 'PUT',
      url: '/v2/images/:image_id/tags/:tag_value',
      policy: 'modify_image',
      target,
      schema: { params: TagParams },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        const tag = call.params.tag_value;
        if (tag.length > 255) throw imageErrors.badRequest(`Provided object does not match schema 'image': '${tag}' is too long`);
        if (image.tags.includes(tag)) return;
        checkImageQuotas({ properties: image.properties, tags: [...image.tags, tag] }, { properties: -1, tags: env.settings.image_tag_quota }, image);
        try {
          await writeTags(env.db, image.id, image.tags, [...image.tags, tag]);
        } catch (err) {
          // The same tag added by a concurrent request: the image has it, as asked.
          if (!isUniqueViolation(err)) throw err;
        }
        await touchImage(env.db, image.id, env.now());
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v2/images/:image_id/tags/:tag_value',
      policy: 'modify_image',
      target,
      schema: { params: TagParams },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        const tag = call.params.tag_value;
        if (!image.tags.includes(tag)) throw imageErrors.notFound(`Tag ${tag} not found.`);
        await writeTags(env.db, image.id, image.tags, image.tags.filter((t) => t !== tag));
        await touchImage(env.db, image.id, env.now());
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/images/:image_id/actions/deactivate',
      policy: 'deactivate',
      target,
      schema: { params: ImageParams, body: Type.Unknown() },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        if (image.status === 'deactivated') return;
        if (image.status !== 'active' || !(await changeStatus(env.db, image.id, { from: ['active'], to: 'deactivated' }, env.now()))) {
          throw imageErrors.forbidden(`Not allowed to deactivate image in status '${image.status}'`);
        }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/images/:image_id/actions/reactivate',
      policy: 'reactivate',
      target,
      schema: { params: ImageParams, body: Type.Unknown() },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        assertMutable(call, image);
        if (image.status === 'active') return;
        if (image.status !== 'deactivated' || !(await changeStatus(env.db, image.id, { from: ['deactivated'], to: 'active' }, env.now()))) {
          throw imageErrors.forbidden(`Not allowed to reactivate image in status '${image.status}'`);
        }
      },
    }),
  ];
}
