import { projectIdOf } from '../../../core/auth/index.ts';
import type { ApiCall } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { getSnapshot, type SnapshotRow } from '../store/snapshots.ts';
import { isAdminCall } from './volume-access.ts';

/** A snapshot as Cinder's get_snapshot finds it: the caller's project's, any for admins; else 404. */
export async function visibleSnapshot(
  env: BlockStorageEnv,
  call: ApiCall,
  id: string,
): Promise<SnapshotRow> {
  const s = await getSnapshot(env.db, id);
  if (!s || (s.project_id !== projectIdOf(call.ctx.auth) && !isAdminCall(call))) {
    throw blockStorageErrors.snapshotNotFound(id);
  }
  return s;
}

/** The policy target of a snapshot (Cinder's target_obj=snapshot). */
export function snapshotTarget(s: SnapshotRow): Record<string, unknown> {
  return { project_id: s.project_id, user_id: s.user_id, id: s.id };
}
