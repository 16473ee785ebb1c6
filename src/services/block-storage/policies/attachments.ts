import type { PolicyDefault } from '../../../core/auth/policy/index.ts';

export const attachmentsPolicies: readonly PolicyDefault[] = [];
