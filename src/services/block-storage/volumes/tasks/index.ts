import type { BlockStorageEnv } from '../../env.ts';
import { createVolumeTask } from './create-volume-task.ts';
import { deleteVolumeTask } from './delete-volume-task.ts';
import { uploadImageTask, revertVolumeTask } from './image-volume-tasks.ts';
import { extendVolumeTask, retypeVolumeTask } from './resize-retype-tasks.ts';

/** Registers the handlers of every volume task kind on the service's queue (before it starts). */
export function registerVolumeTasks(env: BlockStorageEnv): void {
  env.tasks
    .register('volume.create', createVolumeTask(env))
    .register('volume.delete', deleteVolumeTask(env))
    .register('volume.extend', extendVolumeTask(env))
    .register('volume.retype', retypeVolumeTask(env))
    .register('volume.upload_image', uploadImageTask(env))
    .register('volume.revert', revertVolumeTask(env));
}
