import { inRange, type ApiCall } from '../../../core/http/index.ts';
import type { BackupRow } from '../store/backups.ts';
import type { Metadata } from '../store/owned-metadata.ts';
import type { RestoreTarget } from '../backups/backup-lifecycle.ts';
import { resourceLinks } from './resource-links.ts';
import { cinderTime } from './volume-views.ts';

const COLLECTION = 'backups';
const at = (call: ApiCall, min: string) =>
  call.microversion !== undefined && inRange(call.microversion, min);

/** GET /backups, and the answer to create and update. */
export function backupSummaryView(call: ApiCall, b: Pick<BackupRow, 'id' | 'name'>) {
  return { id: b.id, name: b.name, links: resourceLinks(call, COLLECTION, b.id) };
}

export interface BackupDetailOptions {
  readonly metadata: Metadata;
  readonly hasDependents: boolean;
  /** The backup_project_attribute rule passed: project (3.18) and user (3.56) are shown. */
  readonly showOwner: boolean;
}

/** GET /backups/{id} and /backups/detail for the request's microversion. */
export function backupDetailView(
  call: ApiCall,
  b: BackupRow,
  opts: BackupDetailOptions,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: b.id,
    status: b.status,
    size: Number(b.size),
    object_count: Number(b.object_count),
    availability_zone: b.availability_zone,
    container: b.container,
    created_at: cinderTime(b.created_at),
    updated_at: cinderTime(b.updated_at),
    name: b.name,
    description: b.description,
    fail_reason: b.fail_reason,
    volume_id: b.volume_id,
    links: resourceLinks(call, COLLECTION, b.id),
    is_incremental: Number(b.is_incremental) === 1,
    has_dependent_backups: opts.hasDependents,
    snapshot_id: b.snapshot_id,
    data_timestamp: cinderTime(b.data_timestamp),
  };
  if (at(call, '3.43')) view.metadata = opts.metadata;
  if (opts.showOwner && at(call, '3.18')) view['os-backup-project-attr:project_id'] = b.project_id;
  if (opts.showOwner && at(call, '3.56')) view.user_id = b.user_id;
  return view;
}

/** The answer to POST /backups/{id}/restore. */
export function restoreView(r: RestoreTarget) {
  return { restore: { backup_id: r.backupId, volume_id: r.volumeId, volume_name: r.volumeName } };
}
