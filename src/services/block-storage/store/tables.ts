/**
 * Block storage tables (core/db conventions: fixed-width ISO text times, 0/1 booleans,
 * JSON text; every table prefixed `block_storage_`). Names follow Cinder's columns where
 * the API shows them. Rows are deleted for real; Cinder's soft-deleted rows are not kept.
 */

export interface VolumeTable {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  /** creating | available | reserved | attaching | detaching | in-use | maintenance | deleting | awaiting-transfer | error | error_deleting | backing-up | restoring-backup | error_restoring | error_extending | downloading | uploading | retyping | extending */
  status: string;
  /** attached | detached | attaching | detaching | error_attaching | error_detaching */
  attach_status: string;
  /** Why the volume is in an error status (shown through the messages API). */
  status_reason: string | null;
  availability_zone: string;
  volume_type_id: string;
  snapshot_id: string | null;
  source_volid: string | null;
  image_id: string | null;
  bootable: number;
  multiattach: number;
  /** backend@pool#pool as Cinder shows it in os-vol-host-attr:host. */
  host: string | null;
  provider_location: string | null;
  migration_status: string | null;
  group_id: string | null;
  created_at: string;
  updated_at: string | null;
  launched_at: string | null;
}

export interface KeyValueTable {
  /** The owning volume, snapshot, type, qos spec, group type or backup. */
  owner_id: string;
  key: string;
  value: string;
}

export interface VolumeTypeTable {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  qos_specs_id: string | null;
  created_at: string;
}

export interface VolumeTypeAccessTable {
  volume_type_id: string;
  project_id: string;
}

export interface QosSpecTable {
  id: string;
  name: string;
  /** front-end | back-end | both */
  consumer: string;
  created_at: string;
}

export interface SnapshotTable {
  id: string;
  volume_id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  /** creating | available | deleting | error | error_deleting | backing-up | restoring */
  status: string;
  progress: string;
  provider_location: string | null;
  group_snapshot_id: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface BackupTable {
  id: string;
  volume_id: string;
  snapshot_id: string | null;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  /** creating | available | deleting | error | restoring | error_restoring */
  status: string;
  fail_reason: string | null;
  availability_zone: string | null;
  container: string | null;
  object_count: number;
  is_incremental: number;
  parent_id: string | null;
  location: string | null;
  data_timestamp: string;
  created_at: string;
  updated_at: string | null;
  /** JSON: the volume's metadata, image metadata and bootable flag at backup time, for restores (0004). */
  volume_meta: string | null;
  /** The volume a running restore writes to (0004). */
  restore_volume_id: string | null;
}

export interface AttachmentTable {
  id: string;
  volume_id: string;
  instance_uuid: string | null;
  attached_host: string | null;
  mountpoint: string | null;
  /** rw | ro */
  attach_mode: string;
  /** reserved | attaching | attached | detaching | detached | error_attaching */
  attach_status: string;
  connector: string | null;
  connection_info: string | null;
  created_at: string;
  updated_at: string | null;
  /** When the attachment became attached (0004). */
  attached_at: string | null;
}

export interface TransferTable {
  id: string;
  volume_id: string;
  name: string | null;
  salt: string;
  crypt_hash: string;
  source_project_id: string;
  destination_project_id: string | null;
  accepted: number;
  no_snapshots: number;
  created_at: string;
  expires_at: string | null;
}

export interface QuotaTable {
  /** The project the limit applies to (quota classes live in block_storage_quota_class). */
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface ServiceTable {
  id: string;
  host: string;
  /** cinder-volume | cinder-scheduler | cinder-backup */
  binary: string;
  availability_zone: string;
  disabled: number;
  disabled_reason: string | null;
  frozen: number;
  created_at: string;
  updated_at: string;
}

export interface GroupTypeTable {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  created_at: string;
}

export interface GroupTable {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  group_type_id: string;
  status: string;
  availability_zone: string;
  host: string | null;
  group_snapshot_id: string | null;
  source_group_id: string | null;
  created_at: string;
}

export interface GroupVolumeTypeTable {
  group_id: string;
  volume_type_id: string;
}

export interface GroupSnapshotTable {
  id: string;
  group_id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  group_type_id: string;
  status: string;
  created_at: string;
}

export interface MessageTable {
  id: string;
  project_id: string;
  request_id: string;
  resource_type: string;
  resource_uuid: string | null;
  event_id: string;
  message_level: string;
  user_message: string;
  created_at: string;
  expires_at: string;
}

/** Encryption of a volume type (0003): what os-brick needs to encrypt its volumes. */
export interface VolumeTypeEncryptionTable {
  volume_type_id: string;
  encryption_id: string;
  provider: string;
  cipher: string | null;
  key_size: number | null;
  /** front-end | back-end */
  control_location: string;
  created_at: string;
  updated_at: string | null;
}

/** A quota class's limit for one resource (0003); `default` is the class every project falls back to. */
export interface QuotaClassTable {
  class_name: string;
  resource: string;
  hard_limit: number;
}

/** A project's own default volume type (0003, API 3.62). */
export interface DefaultTypeTable {
  project_id: string;
  volume_type_id: string;
  created_at: string;
}

/** Projects that may use a private group type (0003). */
export interface GroupTypeAccessTable {
  group_type_id: string;
  project_id: string;
}

export interface BlockStorageTables {
  block_storage_volume: VolumeTable;
  block_storage_volume_metadata: KeyValueTable;
  block_storage_volume_admin_metadata: KeyValueTable;
  block_storage_volume_image_metadata: KeyValueTable;
  block_storage_volume_type: VolumeTypeTable;
  block_storage_volume_type_extra_spec: KeyValueTable;
  block_storage_volume_type_access: VolumeTypeAccessTable;
  block_storage_qos_spec: QosSpecTable;
  block_storage_qos_spec_key: KeyValueTable;
  block_storage_snapshot: SnapshotTable;
  block_storage_snapshot_metadata: KeyValueTable;
  block_storage_backup: BackupTable;
  block_storage_backup_metadata: KeyValueTable;
  block_storage_attachment: AttachmentTable;
  block_storage_transfer: TransferTable;
  block_storage_quota: QuotaTable;
  block_storage_service: ServiceTable;
  block_storage_group_type: GroupTypeTable;
  block_storage_group_type_spec: KeyValueTable;
  block_storage_group: GroupTable;
  block_storage_group_volume_type: GroupVolumeTypeTable;
  block_storage_group_snapshot: GroupSnapshotTable;
  block_storage_message: MessageTable;
  block_storage_volume_type_encryption: VolumeTypeEncryptionTable;
  block_storage_quota_class: QuotaClassTable;
  block_storage_default_type: DefaultTypeTable;
  block_storage_group_type_access: GroupTypeAccessTable;
}
