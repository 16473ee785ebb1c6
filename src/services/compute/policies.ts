import type { PolicyDefault } from '../../core/auth/policy/index.ts';
import { flavorPolicies } from './policies/flavors.ts';
import { keypairPolicies } from './policies/keypairs.ts';
import { quotaPolicies } from './policies/quotas.ts';
import { serverGroupPolicies } from './policies/server-groups.ts';

/** Default policies of compute under Nova's rule names (os_compute_api:...), one file per resource family. */
export const computePolicies: readonly PolicyDefault[] = [
  ...flavorPolicies,
  ...keypairPolicies,
  ...quotaPolicies,
  ...serverGroupPolicies,
];
