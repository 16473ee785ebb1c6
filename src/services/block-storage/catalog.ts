import type { BlockStorageEnv } from './env.ts';
import { registerGroupTasks } from './groups/group-tasks.ts';
import { startServiceRegistry, type ServiceRegistryOptions } from './service-registry.ts';

/**
 * What the catalog side of block storage does when the service starts, before the task
 * queue runs: registers the group task handlers, creates the default volume type if it is
 * missing, registers this process's services and keeps their heartbeat (and the user
 * message reaper) running. Returns the function that stops the timers.
 */
export async function startCatalog(
  env: BlockStorageEnv,
  opts: ServiceRegistryOptions = {},
): Promise<() => Promise<void>> {
  registerGroupTasks(env);
  return startServiceRegistry(env, opts);
}
