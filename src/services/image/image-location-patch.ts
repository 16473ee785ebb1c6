import { imageErrors } from './errors.ts';
import type { Image, ImageLocation } from './image-model.ts';
import type { PatchChange } from './image-patch.ts';

/** What a PATCH on /locations needs to know beyond the image. */
export interface LocationPatchContext {
  /** show_multiple_locations: without it Glance refuses every location change. */
  readonly visible: boolean;
  /** Checks set_image_location (add, replace) or delete_image_location (remove). */
  authorize(rule: 'set_image_location' | 'delete_image_location'): void;
}

/** Glance's position in /locations/<pos>: a number, or `-` for the end. */
function position(
  pathPos: string | undefined,
  count: number,
  allowEnd: boolean,
): number | undefined {
  if (pathPos === undefined) return undefined;
  let pos = allowEnd ? count : count - 1;
  if (/^\d+$/.test(pathPos)) pos = Number(pathPos);
  else if (pathPos !== '-') return undefined;
  if (!allowEnd && !(pos >= 0 && pos < count)) return undefined;
  return pos;
}

/**
 * Applies one change to /locations as Glance's controller does (_do_add_locations,
 * _do_replace_locations, _do_remove_locations). `current` is what is left of the image's
 * locations after earlier changes of the same PATCH; a removed location is returned, for
 * the caller to delete its data once the PATCH is saved (Glance deletes it from the store).
 *
 * This cloud's stores only hold data they wrote themselves, so a location a client names
 * (another store's URL, an external one) is never adopted: Glance's answer for a location it
 * cannot use, 400 "Invalid location".
 */
export function applyLocationChange(
  image: Image,
  current: readonly ImageLocation[],
  change: PatchChange,
  ctx: LocationPatchContext,
): ImageLocation | undefined {
  const verb = change.op === 'add' ? 'add' : change.op === 'remove' ? 'remove' : 'update';
  if (change.op === 'replace' && Array.isArray(change.value) && change.value.length === 0) {
    throw imageErrors.forbidden('Cannot set locations to empty list.');
  }
  ctx.authorize(change.op === 'remove' ? 'delete_image_location' : 'set_image_location');
  if (!ctx.visible)
    throw imageErrors.forbidden(
      `It's not allowed to ${verb} locations if locations are invisible.`,
    );

  switch (change.op) {
    case 'add': {
      if (image.status !== 'active' && image.status !== 'queued') {
        throw imageErrors.conflict(
          `It's not allowed to add locations if image status is ${image.status}.`,
        );
      }
      if (position(change.path[1], current.length, true) === undefined)
        throw imageErrors.badRequest('Invalid position for adding a location.');
      throw imageErrors.badRequest('Invalid location');
    }
    case 'replace': {
      if (image.status !== 'active' && image.status !== 'queued') {
        throw imageErrors.conflict(
          `It's not allowed to replace locations if image status is ${image.status}.`,
        );
      }
      const urls = Array.isArray(change.value)
        ? change.value.map((l) => (l as { url?: unknown }).url)
        : [];
      // setting the locations the image has is no change
      if (urls.length === current.length && urls.every((u, i) => u === current[i]!.url))
        return undefined;
      if (current.length > 0)
        throw imageErrors.badRequest(
          `Original locations is not empty: ${current.map((l) => l.url).join(', ')}`,
        );
      throw imageErrors.badRequest('Invalid location');
    }
    case 'remove': {
      if (image.status !== 'active') {
        throw imageErrors.conflict(
          "It's not allowed to remove image data from store if image status is not 'active'",
        );
      }
      if (current.length === 1)
        throw imageErrors.forbidden('Cannot remove last location in the image.');
      const pos = position(change.path[1], current.length, false);
      if (pos === undefined)
        throw imageErrors.badRequest('Invalid position for removing a location.');
      return current[pos];
    }
  }
}
