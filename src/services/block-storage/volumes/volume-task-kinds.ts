import type { MessageAction, MessageDetail } from '../store/messages.ts';

/**
 * The persisted long operations on volumes and what each remembers (its task payload).
 * Payloads carry what a resumed run needs after a restart; steps record progress.
 */

/** Where a new volume's content comes from. */
export type VolumeSource =
  | { readonly kind: 'empty' }
  | { readonly kind: 'snapshot'; readonly id: string }
  | { readonly kind: 'volume'; readonly id: string }
  | { readonly kind: 'image'; readonly id: string; readonly diskFormat: string; readonly sizeBytes: number }
  | { readonly kind: 'backup'; readonly id: string };

/** Common to every volume task: who asked (user messages name the request). */
interface Requested {
  readonly requestId: string;
  readonly projectId: string;
}

export interface CreateVolumePayload extends Requested {
  readonly source: VolumeSource;
  /** The caller's token, to read an image with (image sources only). */
  readonly token?: string;
}

export interface DeleteVolumePayload extends Requested {
  readonly cascade: boolean;
}

export interface ExtendVolumePayload extends Requested {
  readonly newSize: number;
  readonly previousStatus: string;
}

export interface RetypeVolumePayload extends Requested {
  readonly newTypeId: string;
  readonly previousStatus: string;
  readonly migrationPolicy: 'never' | 'on-demand';
}

export interface UploadImagePayload extends Requested {
  readonly imageId: string;
  readonly diskFormat: string;
  readonly previousStatus: string;
  /** The caller's token, to write the image with. */
  readonly token: string;
}

export interface RevertVolumePayload extends Requested {
  readonly snapshotId: string;
}

export interface VolumeTaskKinds {
  'volume.create': CreateVolumePayload;
  'volume.delete': DeleteVolumePayload;
  'volume.extend': ExtendVolumePayload;
  'volume.retype': RetypeVolumePayload;
  'volume.upload_image': UploadImagePayload;
  'volume.revert': RevertVolumePayload;
}

export type VolumeTaskKind = keyof VolumeTaskKinds;

/**
 * Volume statuses an operation is under way in, and what a restart makes of one whose task
 * is lost: run it again (resume), return to the status before it (previous), or fail to
 * Cinder's status for it with a user message.
 */
export const STUCK_STATUS_RECOVERY: Readonly<
  Record<string, { kind: VolumeTaskKind; to: string | 'previous' | 'resume'; message?: { action: MessageAction; detail: MessageDetail } }>
> = {
  creating: { kind: 'volume.create', to: 'error', message: { action: 'createVolumeFromBackend', detail: 'unknownError' } },
  deleting: { kind: 'volume.delete', to: 'resume' },
  extending: { kind: 'volume.extend', to: 'error_extending', message: { action: 'extendVolume', detail: 'driverFailedExtend' } },
  retyping: { kind: 'volume.retype', to: 'previous' },
  uploading: { kind: 'volume.upload_image', to: 'previous' },
  reverting: { kind: 'volume.revert', to: 'error' },
};
