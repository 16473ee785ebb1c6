import type { PolicyDefault } from '../../core/auth/policy/index.ts';
import { volumesPolicies } from './policies/volumes.ts';
import { volumeTypesPolicies } from './policies/volume-types.ts';
import { qosPolicies } from './policies/qos.ts';
import { snapshotsPolicies } from './policies/snapshots.ts';
import { backupsPolicies } from './policies/backups.ts';
import { attachmentsPolicies } from './policies/attachments.ts';
import { transfersPolicies } from './policies/transfers.ts';
import { quotasPolicies } from './policies/quotas.ts';
import { servicesPolicies } from './policies/services.ts';
import { groupsPolicies } from './policies/groups.ts';
import { messagesPolicies } from './policies/messages.ts';

/**
 * Default policies of block storage under Cinder's rule names (volume:create,
 * volume_extension:types_manage ...), one file per resource family. Cinder's helper rule
 * admin_or_owner is the core persona of that name (src/core/auth/policy/personas.ts).
 */
export const blockStoragePolicies: readonly PolicyDefault[] = [
  ...volumesPolicies,
  ...volumeTypesPolicies,
  ...qosPolicies,
  ...snapshotsPolicies,
  ...backupsPolicies,
  ...attachmentsPolicies,
  ...transfersPolicies,
  ...quotasPolicies,
  ...servicesPolicies,
  ...groupsPolicies,
  ...messagesPolicies,
];
