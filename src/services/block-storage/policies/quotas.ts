import type { PolicyDefault } from '../../../core/auth/policy/index.ts';

export const quotasPolicies: readonly PolicyDefault[] = [];
