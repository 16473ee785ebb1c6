import type { Generated, Kysely, Selectable } from 'kysely';

/**
 * Providers carry an integer id beside their UUID: every join of the allocation-candidates
 * query runs on these small keys. `root_id` is the provider's own id for a root.
 */
export interface ProviderTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  generation: number;
  parent_id: number | null;
  root_id: number;
  created_at: string;
  updated_at: string;
}

export type ProviderRow = Selectable<ProviderTable>;

export interface InventoryRow {
  provider_id: number;
  resource_class: string;
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
  created_at: string;
  updated_at: string;
}

export interface AllocationRow {
  consumer_id: string;
  provider_id: number;
  resource_class: string;
  used: number;
  created_at: string;
}

export interface ConsumerRow {
  uuid: string;
  project_id: string;
  user_id: string;
  generation: number;
  /** null for allocations written before 1.38 (reported as `unknown`). */
  consumer_type: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProviderTraitRow {
  provider_id: number;
  trait: string;
}

export interface ProviderAggregateRow {
  provider_id: number;
  aggregate: string;
}

/** CUSTOM_ resource classes and traits; the standard ones live in code. */
export interface CustomNameRow {
  name: string;
  created_at: string;
  updated_at: string;
}

export interface PlacementTables {
  placement_provider: ProviderTable;
  placement_inventory: InventoryRow;
  placement_allocation: AllocationRow;
  placement_consumer: ConsumerRow;
  placement_provider_trait: ProviderTraitRow;
  placement_provider_aggregate: ProviderAggregateRow;
  placement_resource_class: CustomNameRow;
  placement_trait: CustomNameRow;
}

export type PlacementDb = Kysely<PlacementTables>;
