/** What backup tasks remember between steps and across a restart (their payloads). */

interface Requested {
  readonly requestId: string;
  readonly projectId: string;
}

export interface CreateBackupPayload extends Requested {
  /** Backing up a snapshot goes through a temporary volume made from it; its id, once chosen. */
  readonly tempVolumeId?: string;
}

export type DeleteBackupPayload = Requested;

export interface RestoreBackupPayload extends Requested {
  readonly volumeId: string;
  /** The volume was made for this restore and may still be creating when the task starts. */
  readonly newVolume: boolean;
}

/** What a backup keeps of its volume for a restore (volume_meta column). */
export interface BackupVolumeMeta {
  readonly metadata: Readonly<Record<string, string>>;
  readonly imageMetadata: Readonly<Record<string, string>>;
  readonly bootable: boolean;
}
