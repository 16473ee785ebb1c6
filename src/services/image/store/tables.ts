import type { Kysely } from 'kysely';

/** Times are stored as fixed-width ISO text, booleans as 0/1 (core/db conventions). */
export interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: number;
  os_hidden: number;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  created_at: string;
  updated_at: string;
  deleted: number;
  deleted_at: string | null;
  /** The worker streaming data for this image right now (upload, stage), null when none. */
  op_worker: string | null;
  /** When that worker last said it is alive. */
  op_heartbeat: string | null;
}

export interface ImagePropertyRow {
  image_id: string;
  name: string;
  value: string;
}

export interface ImageTagRow {
  image_id: string;
  value: string;
}

export interface ImageMemberRow {
  image_id: string;
  member: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** One copy of an image's data in one store; `pending_delete` copies are still to be removed. */
export interface ImageLocationRow {
  image_id: string;
  store_id: string;
  url: string;
  status: string;
  created_at: string;
}

/** An import task (Glance's tasks), with the lease of the worker running it. */
export interface ImageTaskRow {
  id: string;
  image_id: string;
  type: string;
  status: string;
  owner: string;
  user_id: string;
  request_id: string;
  input: string;
  result: string | null;
  message: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

export interface MetadefNamespaceRow {
  id: string;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: string;
  protected: number;
  owner: string;
  created_at: string;
  updated_at: string;
}

export interface MetadefObjectRow {
  id: string;
  namespace_id: string;
  name: string;
  description: string | null;
  required: string | null;
  properties: string | null;
  created_at: string;
  updated_at: string;
}

export interface MetadefPropertyRow {
  id: string;
  namespace_id: string;
  name: string;
  json_schema: string;
  created_at: string;
  updated_at: string;
}

export interface MetadefTagRow {
  id: string;
  namespace_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface MetadefResourceTypeRow {
  id: string;
  name: string;
  protected: number;
  created_at: string;
  updated_at: string;
}

export interface MetadefResourceTypeAssocRow {
  namespace_id: string;
  resource_type_id: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: string;
  updated_at: string;
}

export interface ImageTables {
  image_image: ImageRow;
  image_property: ImagePropertyRow;
  image_tag: ImageTagRow;
  image_member: ImageMemberRow;
  image_location: ImageLocationRow;
  image_task: ImageTaskRow;
  image_metadef_namespace: MetadefNamespaceRow;
  image_metadef_object: MetadefObjectRow;
  image_metadef_property: MetadefPropertyRow;
  image_metadef_tag: MetadefTagRow;
  image_metadef_resource_type: MetadefResourceTypeRow;
  image_metadef_resource_type_assoc: MetadefResourceTypeAssocRow;
}

export type ImageDb = Kysely<ImageTables>;
