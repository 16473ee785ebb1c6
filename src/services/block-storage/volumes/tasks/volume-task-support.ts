import type { Kysely } from 'kysely';
import { toDbTime } from '../../../../core/db/index.ts';
import type { BlockStorageEnv } from '../../env.ts';
import { createMessage, type MessageAction, type MessageDetail } from '../../store/messages.ts';
import type { BlockStorageTables } from '../../store/tables.ts';
import { transitionVolume, type VolumePatch } from '../../store/volumes.ts';

/**
 * Moves a volume into a failure status (only while it is still in `from`) and tells the
 * user why with a Cinder user message. Runs on the given handle, which may be the
 * transaction that records the task's failure.
 */
export async function failVolume(
  env: BlockStorageEnv,
  db: Kysely<BlockStorageTables>,
  volumeId: string,
  change: { from: readonly string[]; to: string; reason: string; patch?: VolumePatch },
  message?: { projectId: string; requestId: string; action: MessageAction; detail: MessageDetail },
): Promise<boolean> {
  const now = env.now();
  const moved = await transitionVolume(
    db,
    volumeId,
    { ...change.patch, status: change.to, status_reason: change.reason.slice(0, 2000), updated_at: toDbTime(now) },
    change.from,
  );
  if (moved && message) {
    await createMessage(
      db,
      {
        projectId: message.projectId,
        requestId: message.requestId,
        resourceType: 'VOLUME',
        resourceUuid: volumeId,
        action: message.action,
        detail: message.detail,
      },
      { now },
    );
  }
  return moved;
}

/** Whether an error asks to be tried again (driver busy, image service down). */
export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
