import type { Image } from '../image-model.ts';
import type { ImageMember } from '../store/members.ts';
import type { ImageTask } from '../store/tasks.ts';

/** Glance prints times without fractions: 2016-06-29T16:13:07Z. */
export function glanceTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Properties Glance keeps for itself and never shows (ResponseSerializer._hidden_properties). */
const HIDDEN_PROPERTIES = new Set(['os_glance_stage_host']);

/** What of an image's data locations a response may show. */
export interface LocationExposure {
  /** The caller passes get_image_location; without it Glance shows no location, direct_url or stores. */
  readonly allowed: boolean;
  /** show_image_direct_url */
  readonly directUrl: boolean;
  /** show_multiple_locations */
  readonly multipleLocations: boolean;
}

/**
 * An image as Glance's v2 API shows it: its additional properties at the top level next to
 * the base attributes, null for what is unset, `locations` and `direct_url` as the operator
 * turned them on, and `stores` (multiple stores are always on here) when the data is
 * somewhere. Locations come in the order they were written: the first is the direct_url,
 * as Glance's location_order strategy picks it.
 */
export function imageView(image: Image, exposure: LocationExposure): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) if (!HIDDEN_PROPERTIES.has(k)) view[k] = v;
  Object.assign(view, {
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: glanceTime(image.createdAt),
    updated_at: glanceTime(image.updatedAt),
  });
  const locations = exposure.allowed ? image.locations : [];
  // Glance shows an empty list to say locations are shown but there are none
  if (exposure.multipleLocations) view.locations = locations.map((l) => ({ url: l.url, metadata: { store: l.storeId } }));
  if (exposure.directUrl && locations.length) view.direct_url = locations[0]!.url;
  Object.assign(view, {
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  if (locations.length) view.stores = locations.map((l) => l.storeId).join(',');
  return view;
}

export function memberView(m: ImageMember): Record<string, unknown> {
  return {
    member_id: m.memberId,
    image_id: m.imageId,
    status: m.status,
    created_at: glanceTime(m.createdAt),
    updated_at: glanceTime(m.updatedAt),
    schema: '/v2/schemas/member',
  };
}

export function taskView(t: ImageTask): Record<string, unknown> {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    owner: t.owner,
    expires_at: t.expiresAt ? glanceTime(t.expiresAt) : null,
    created_at: glanceTime(t.createdAt),
    updated_at: glanceTime(t.updatedAt),
    deleted_at: null,
    deleted: false,
    image_id: t.imageId,
    request_id: t.requestId,
    user_id: t.userId,
    input: t.input,
    result: t.result,
    message: t.message,
  };
}

/** The same query string with one parameter changed or dropped (Glance's first/next links). */
export function withQuery(path: string, query: URLSearchParams, set: Record<string, string | undefined>): string {
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) q.delete(k);
    else q.set(k, v);
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}
