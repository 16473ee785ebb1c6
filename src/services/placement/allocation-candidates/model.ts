/** One request group of GET /allocation_candidates: the unnumbered one (suffix '') or a granular one. */
export interface RequestGroup {
  readonly suffix: string;
  /** Granular groups must be satisfied by one provider; the unnumbered one by any providers of one tree. */
  readonly sameProvider: boolean;
  readonly resources: ReadonlyMap<string, number>;
  /** Each set is an any-of; the sets are and-ed: [{A}, {B, C}] = A and (B or C). */
  readonly requiredTraits: readonly ReadonlySet<string>[];
  readonly forbiddenTraits: ReadonlySet<string>;
  /** Each set is an any-of of aggregate UUIDs; the sets are and-ed. */
  readonly memberOf: readonly ReadonlySet<string>[];
  readonly forbiddenAggregates: ReadonlySet<string>;
  readonly inTree?: string | undefined;
}

export interface CandidateRequest {
  readonly groups: readonly RequestGroup[];
  readonly limit?: number | undefined;
  readonly groupPolicy?: 'none' | 'isolate' | undefined;
  /** root_required: traits the tree's root must have / must not have. */
  readonly rootRequired: ReadonlySet<string>;
  readonly rootForbidden: ReadonlySet<string>;
  /** same_subtree: each entry lists group suffixes whose providers must share one subtree. */
  readonly sameSubtrees: readonly (readonly string[])[];
  /** Before 1.29 a candidate may not take resources from two providers of one tree. */
  readonly nestedAware: boolean;
}

/** A provider that can give one requested class, and the root of its tree. */
export interface ProviderRef {
  readonly id: number;
  readonly root: number;
}

/** What the merge needs to know about the providers of candidate trees. */
export interface TreeProvider {
  readonly id: number;
  readonly uuid: string;
  readonly parentId: number | null;
  readonly rootId: number;
  readonly traits: ReadonlySet<string>;
  /** class -> capacity ((total - reserved) * ratio), used, max_unit */
  readonly resources: ReadonlyMap<string, { capacity: number; used: number; maxUnit: number }>;
}

/** One way to satisfy a request: amounts per provider and class, and which providers served which group. */
export interface AllocationRequest {
  readonly root: number;
  /** `${providerId}/${class}` -> amount, in insertion order */
  readonly amounts: Map<string, number>;
  readonly mappings: Map<string, Set<number>>;
}

export const amountKey = (providerId: number, rc: string) => `${providerId}/${rc}`;
export const splitAmountKey = (key: string): [number, string] => {
  const i = key.indexOf('/');
  return [Number(key.slice(0, i)), key.slice(i + 1)];
};
