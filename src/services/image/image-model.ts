/** An image as the service works with it (store rows joined, times as Dates). */
export interface Image {
  readonly id: string;
  readonly name: string | null;
  readonly status: ImageStatus;
  readonly visibility: Visibility;
  readonly protected: boolean;
  readonly osHidden: boolean;
  readonly owner: string | null;
  readonly size: number | null;
  readonly virtualSize: number | null;
  readonly checksum: string | null;
  readonly osHashAlgo: string | null;
  readonly osHashValue: string | null;
  readonly diskFormat: string | null;
  readonly containerFormat: string | null;
  readonly minDisk: number;
  readonly minRam: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Additional properties (Glance's extra_properties), string values. */
  readonly properties: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  /** Stores holding a complete copy of the data. */
  readonly locations: readonly ImageLocation[];
}

export interface ImageLocation {
  readonly storeId: string;
  readonly url: string;
}

export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'uploading',
  'importing',
  'pending_delete',
  'deactivated',
] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Glance's allowed status changes (glance.domain.Image.valid_state_targets). */
const TRANSITIONS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses an image may be in for a move to `to`. */
export function statusesBefore(to: ImageStatus): ImageStatus[] {
  return IMAGE_STATUSES.filter((s) => TRANSITIONS[s].includes(to));
}

/** Who is asking, as far as image visibility and ownership go. */
export interface Caller {
  readonly projectId: string | undefined;
  /** Glance's context.is_admin: the caller passes context_is_admin. */
  readonly isAdmin: boolean;
}

/**
 * Whether the caller may see the image at all (Glance's db-layer is_image_visible): admins
 * see everything; anyone sees public and community images; a project sees its own images
 * and shared images it is a member of, whatever the membership status.
 */
export function isVisible(image: Pick<Image, 'owner' | 'visibility'>, caller: Caller, isMember: boolean): boolean {
  if (caller.isAdmin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (caller.projectId === undefined) return false;
  if (caller.projectId === image.owner) return true;
  return image.visibility === 'shared' && isMember;
}

/** Only an admin or the owning project changes an image (Glance's is_image_mutable). */
export function isMutable(image: Pick<Image, 'owner'>, caller: Caller): boolean {
  if (caller.isAdmin) return true;
  return image.owner !== null && caller.projectId !== undefined && image.owner === caller.projectId;
}
