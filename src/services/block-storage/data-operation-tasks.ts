import type { BlockStorageEnv } from './env.ts';
import { createBackupTask, deleteBackupTask, restoreBackupTask } from './backups/backup-tasks.ts';
import { createSnapshotTask, deleteSnapshotTask } from './snapshots/snapshot-tasks.ts';

/** Registers the snapshot and backup task kinds on the service's queue (before it starts). */
export function registerDataOperationTasks(env: BlockStorageEnv): void {
  env.tasks
    .register('snapshot.create', createSnapshotTask(env))
    .register('snapshot.delete', deleteSnapshotTask(env))
    .register('backup.create', createBackupTask(env))
    .register('backup.delete', deleteBackupTask(env))
    .register('backup.restore', restoreBackupTask(env));
}
