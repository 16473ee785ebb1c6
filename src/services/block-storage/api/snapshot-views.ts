import { inRange, type Microversion } from '../../../core/http/index.ts';
import type { Metadata } from '../store/owned-metadata.ts';
import type { SnapshotRow } from '../store/snapshots.ts';
import { cinderTime } from './volume-views.ts';

const at = (v: Microversion | undefined, min: string) => v !== undefined && inRange(v, min);

/** GET /snapshots (and the base of every other snapshot view). */
export function snapshotSummaryView(s: SnapshotRow, metadata: Metadata): Record<string, unknown> {
  return {
    id: s.id,
    created_at: cinderTime(s.created_at),
    updated_at: cinderTime(s.updated_at),
    name: s.name,
    description: s.description,
    volume_id: s.volume_id,
    status: s.status,
    size: Number(s.size),
    metadata,
  };
}

/**
 * Cinder's snapshot detail view (create, update, show, detail list): group_snapshot_id from
 * 3.14, user_id from 3.41, consumes_quota from 3.65; with `extended` (the
 * extended_snapshot_attributes rule passed, show and detail list only) the owning project
 * and progress under their os-extended-snapshot-attributes names.
 */
export function snapshotDetailView(
  s: SnapshotRow,
  metadata: Metadata,
  opts: { microversion: Microversion | undefined; extended: boolean },
): Record<string, unknown> {
  const view = snapshotSummaryView(s, metadata);
  if (at(opts.microversion, '3.14')) view.group_snapshot_id = s.group_snapshot_id;
  if (at(opts.microversion, '3.41')) view.user_id = s.user_id;
  if (at(opts.microversion, '3.65')) view.consumes_quota = true;
  if (opts.extended) {
    view['os-extended-snapshot-attributes:project_id'] = s.project_id;
    view['os-extended-snapshot-attributes:progress'] = s.progress;
  }
  return view;
}
