import type { FastifyRequest } from 'fastify';
import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import { imageErrors } from '../errors.ts';
import { isMutable, isVisible, type Caller, type Image } from '../image-model.ts';
import { findImage } from '../store/images.ts';
import { findMember } from '../store/members.ts';
import type { ImageEnv } from '../env.ts';
import type { LocationExposure } from './image-views.ts';

/** An image the caller may see, with what policy checks read about it. */
export interface ImageInReach {
  readonly image: Image;
  /** The caller's project is a member of the image (any membership status). */
  readonly isMember: boolean;
  /** The policy target: project_id (= owner), owner, visibility, member_id. */
  readonly target: Record<string, unknown>;
}

export function callerOf(call: ApiCall): Caller {
  return { projectId: projectIdOf(call.ctx.auth), isAdmin: call.can('context_is_admin') };
}

export function imageTarget(image: Image, memberId: string | undefined): Record<string, unknown> {
  return { id: image.id, project_id: image.owner, owner: image.owner, visibility: image.visibility, member_id: memberId };
}

const loaded = new WeakMap<FastifyRequest, Map<string, Promise<ImageInReach>>>();

async function load(env: ImageEnv, call: ApiCall, id: string): Promise<ImageInReach> {
  const image = await findImage(env.db, id);
  const caller = callerOf(call);
  const member =
    image && caller.projectId !== undefined && image.owner !== caller.projectId ? await findMember(env.db, id, caller.projectId) : undefined;
  if (!image || !isVisible(image, caller, member !== undefined)) throw imageErrors.imageNotFound(id);
  return { image, isMember: member !== undefined, target: imageTarget(image, member ? member.memberId : undefined) };
}

/**
 * The image a request names, or 404 when it does not exist or the caller may not see it (so
 * other projects' private images are indistinguishable from missing ones). Loaded once per
 * request: the route's policy target and its handler share it.
 */
export function imageInReach(env: ImageEnv, call: ApiCall, id: string): Promise<ImageInReach> {
  let byId = loaded.get(call.request);
  if (!byId) {
    byId = new Map();
    loaded.set(call.request, byId);
  }
  let p = byId.get(id);
  if (!p) {
    p = load(env, call, id);
    byId.set(id, p);
  }
  return p;
}

/** Forgets what imageInReach loaded, for handlers that read the image again after changing it. */
export function forgetLoaded(call: ApiCall): void {
  loaded.delete(call.request);
}

/** Glance's legacy ownership rule on top of policy: only an admin or the owner changes an image. */
export function assertMutable(call: ApiCall, image: Image): void {
  if (!isMutable(image, callerOf(call))) throw imageErrors.notOwner();
}

/** A policy target builder for routes on /v2/images/:image_id. */
export function imageRouteTarget(env: ImageEnv) {
  return async (call: ApiCall): Promise<Record<string, unknown>> => {
    const id = (call.params as { image_id: string }).image_id;
    return (await imageInReach(env, call, id)).target;
  };
}

/**
 * What of image locations this caller may see. Glance checks get_image_location against the
 * caller's own project (its locations proxy knows no image), so by default every reader
 * passes; an operator narrows it in policy.yaml.
 */
export function locationExposure(env: ImageEnv, call: ApiCall): LocationExposure {
  const projectId = projectIdOf(call.ctx.auth);
  return {
    allowed: call.can('get_image_location', projectId === undefined ? {} : { project_id: projectId }),
    directUrl: env.settings.show_image_direct_url,
    multipleLocations: env.settings.show_multiple_locations,
  };
}
