import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlockStorageEnv } from './env.ts';
import { recoverStuckBackups } from './backups/backup-recovery.ts';
import { recoverStuckGroups } from './groups/group-recovery.ts';
import { recoverStuckSnapshots } from './snapshots/snapshot-recovery.ts';
import { recoverStuckVolumes } from './volumes/recovery.ts';

/**
 * What the service does at start, before its task queue runs, so that a restart in the
 * middle of an operation leaves nothing stuck: operations whose task survived are resumed
 * by the queue; those whose task is lost are run again (deletes) or end in the error status
 * Cinder gives them, with a user message. Scratch files of conversions are removed (a
 * resumed upload makes its own again).
 */
export async function recoverInterruptedOperations(env: BlockStorageEnv): Promise<void> {
  await rm(path.join(env.dataDir, 'scratch'), { recursive: true, force: true });
  await recoverStuckGroups(env);
  await recoverStuckVolumes(env);
  await recoverStuckSnapshots(env);
  await recoverStuckBackups(env);
}
