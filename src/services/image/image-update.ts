import { imageErrors } from './errors.ts';
import type { Image, ImageLocation, Visibility } from './image-model.ts';
import { applyLocationChange, type LocationPatchContext } from './image-location-patch.ts';
import type { PatchChange } from './image-patch.ts';
import type { ImageFields } from './store/images.ts';

/** An image's writable state while a PATCH is applied to it. */
export interface ImageDraft extends ImageFields {
  properties: Record<string, string>;
  tags: string[];
  /** Copies a `remove /locations/N` took away: their data goes once the PATCH is saved. */
  droppedLocations: ImageLocation[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The attributes that live on the image itself (Glance's domain Image), not in its properties. */
const BASE_ATTRIBUTES = {
  name: 'name',
  visibility: 'visibility',
  os_hidden: 'osHidden',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  protected: 'protected',
  owner: 'owner',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
  tags: 'tags',
} as const;
type BaseAttribute = keyof typeof BASE_ATTRIBUTES;
const isBase = (name: string): name is BaseAttribute => Object.hasOwn(BASE_ATTRIBUTES, name);

export interface PatchContext {
  readonly isAdmin: boolean;
  readonly locations: LocationPatchContext;
  /** Checks the policy a change of this attribute needs (visibility has its own rules). */
  authorizeChange(attribute: string, value: unknown): void;
}

export function draftOf(image: Image): ImageDraft {
  return {
    name: image.name,
    visibility: image.visibility,
    protected: image.protected,
    osHidden: image.osHidden,
    owner: image.owner,
    diskFormat: image.diskFormat,
    containerFormat: image.containerFormat,
    minDisk: image.minDisk,
    minRam: image.minRam,
    properties: { ...image.properties },
    tags: [...image.tags],
    droppedLocations: [],
  };
}

/** Sets one base attribute with the checks Glance's domain object makes on assignment. */
function setBase(draft: ImageDraft, image: Image, attr: BaseAttribute, value: unknown): void {
  const d = draft as Mutable<ImageDraft>;
  switch (attr) {
    case 'min_disk':
    case 'min_ram':
      if (typeof value === 'number' && value < 0) {
        throw imageErrors.badRequest(`Invalid value '${value}' for parameter '${attr}': Cannot be a negative value.`);
      }
      d[BASE_ATTRIBUTES[attr]] = value as number;
      return;
    case 'disk_format':
    case 'container_format':
      if (image.status !== 'queued' && image.status !== 'importing') {
        throw imageErrors.forbidden(`Attribute ${attr} can be only replaced for a queued image.`);
      }
      d[BASE_ATTRIBUTES[attr]] = value as string | null;
      return;
    case 'tags':
      d.tags = [...new Set(value as string[])];
      return;
    case 'visibility':
      d.visibility = value as Visibility;
      return;
    case 'protected':
    case 'os_hidden':
      d[BASE_ATTRIBUTES[attr]] = value as boolean;
      return;
    default:
      d[BASE_ATTRIBUTES[attr]] = value as string | null;
  }
}

const propertyValue = (value: unknown): string => (value === null ? '' : String(value));

/**
 * Applies parsed PATCH changes in order, as Glance's controller does (_do_add, _do_replace,
 * _do_remove), and returns the resulting state. Nothing is saved here.
 */
export function applyImagePatch(image: Image, changes: readonly PatchChange[], ctx: PatchContext): ImageDraft {
  const draft = draftOf(image);
  for (const change of changes) {
    const root = change.path[0]!;
    if (root === 'locations') {
      const left = image.locations.filter((l) => !draft.droppedLocations.includes(l));
      const dropped = applyLocationChange(image, left, change, ctx.locations);
      if (dropped) draft.droppedLocations.push(dropped);
      continue;
    }
    if (root === 'owner' && change.op !== 'remove' && !ctx.isAdmin) throw imageErrors.forbidden("Owner can't be updated by non admin.");
    ctx.authorizeChange(root, change.value);
    const exists = isBase(root) || Object.hasOwn(draft.properties, root);
    switch (change.op) {
      case 'add':
        if (exists && change.draft === 4) throw imageErrors.conflict(`Property ${root} already present.`);
        if (isBase(root)) setBase(draft, image, root, change.value);
        else draft.properties[root] = propertyValue(change.value);
        break;
      case 'replace':
        if (!exists) throw imageErrors.conflict(`Property ${root} does not exist.`);
        if (isBase(root)) setBase(draft, image, root, change.value);
        else draft.properties[root] = propertyValue(change.value);
        break;
      case 'remove':
        if (isBase(root)) throw imageErrors.forbidden(`Property ${root} may not be removed.`);
        if (!exists) throw imageErrors.conflict(`Property ${root} does not exist.`);
        delete draft.properties[root];
        break;
    }
  }
  return draft;
}

/** Glance's quota proxy: too many properties or tags is 413. */
export function checkImageQuotas(draft: { readonly properties: Readonly<Record<string, string>>; readonly tags: readonly string[] }, limits: { properties: number; tags: number }, before?: Image): void {
  const props = Object.keys(draft.properties).length;
  if (limits.properties >= 0 && props > limits.properties && props > Object.keys(before?.properties ?? {}).length) {
    throw imageErrors.tooLarge(
      `The limit has been exceeded on the number of allowed image properties. Attempted: ${props}, Maximum: ${limits.properties}`,
    );
  }
  const tags = draft.tags.length;
  if (limits.tags >= 0 && tags > limits.tags && tags > (before?.tags.length ?? 0)) {
    throw imageErrors.tooLarge(`The limit has been exceeded on the number of allowed image tags. Attempted: ${tags}, Maximum: ${limits.tags}`);
  }
}
