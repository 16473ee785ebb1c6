import type { PolicyDefault } from '../../../core/auth/policy/index.ts';

export const messagesPolicies: readonly PolicyDefault[] = [];
