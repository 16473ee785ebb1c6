import type { BlockStorageEnv } from './env.ts';

/** Whether the resource has a queued or running task (of this kind, when given): the queue will resume it. */
export async function hasOpenTask(env: BlockStorageEnv, resourceId: string, kind?: string): Promise<boolean> {
  const open = await env.tasks.list({ resourceId, states: ['queued', 'running'] });
  return open.some((t) => kind === undefined || t.kind === kind);
}
