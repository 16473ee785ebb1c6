import type { Generated } from 'kysely';

/**
 * Compute tables (core/db conventions: fixed-width ISO text times, 0/1 booleans, JSON
 * text; every table prefixed `compute_`). Column names follow Nova's API database.
 * Rows are deleted for real; Nova's API database does the same for these.
 */
export interface FlavorTable {
  id: Generated<number>;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  /** MiB; 0 = no swap. */
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: number;
  is_public: number;
  description: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface FlavorExtraSpecTable {
  flavor_id: number;
  key: string;
  value: string;
}

export interface FlavorProjectTable {
  flavor_id: number;
  project_id: string;
}

export interface KeypairTable {
  id: Generated<number>;
  user_id: string;
  name: string;
  fingerprint: string;
  public_key: string;
  /** ssh | x509 */
  type: string;
  created_at: string;
}

export interface ServerGroupTable {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  /** affinity | anti-affinity | soft-affinity | soft-anti-affinity */
  policy: string;
  rules: string;
  created_at: string;
}

export interface ServerGroupMemberTable {
  group_id: string;
  instance_uuid: string;
}

export interface QuotaTable {
  project_id: string;
  /** '' for the project's own limit. */
  user_id: string;
  resource: string;
  hard_limit: number;
}

export interface QuotaClassTable {
  class_name: string;
  resource: string;
  hard_limit: number;
}

export interface ComputeTables {
  compute_flavor: FlavorTable;
  compute_flavor_extra_spec: FlavorExtraSpecTable;
  compute_flavor_project: FlavorProjectTable;
  compute_keypair: KeypairTable;
  compute_server_group: ServerGroupTable;
  compute_server_group_member: ServerGroupMemberTable;
  compute_quota: QuotaTable;
  compute_quota_class: QuotaClassTable;
}
