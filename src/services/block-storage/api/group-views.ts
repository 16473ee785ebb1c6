import {
  compareMicroversions,
  parseBoolParam,
  parseMicroversion,
  type ApiCall,
} from '../../../core/http/index.ts';
import type { GroupRow, GroupSnapshotRow } from '../store/groups.ts';
import { callerTarget } from './project-paths.ts';
import { cinderTime } from './volume-views.ts';

function atLeast(call: ApiCall, version: string): boolean {
  return (
    call.microversion !== undefined &&
    compareMicroversions(call.microversion, parseMicroversion(version)!) >= 0
  );
}

export function groupSummary(g: Pick<GroupRow, 'id' | 'name'>) {
  return { id: g.id, name: g.name };
}

/** Whether GET /groups[/detail] lists member volumes (?list_volume=true, 3.25). */
export function listsVolumes(call: ApiCall): boolean {
  return atLeast(call, '3.25') && (parseBoolParam('list_volume', call.query.list_volume) ?? false);
}

/** A group as Cinder's detail view shows it at the call's microversion. */
export function groupDetail(
  call: ApiCall,
  g: GroupRow,
  volumeTypes: readonly string[],
  volumes?: readonly string[],
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: g.id,
    status: g.status,
    availability_zone: g.availability_zone,
    created_at: cinderTime(g.created_at),
    name: g.name,
    description: g.description,
    group_type: g.group_type_id,
    volume_types: volumeTypes,
  };
  if (atLeast(call, '3.14')) {
    view.group_snapshot_id = g.group_snapshot_id;
    view.source_group_id = g.source_group_id;
  }
  if (volumes && listsVolumes(call)) view.volumes = volumes;
  if (atLeast(call, '3.38')) view.replication_status = 'disabled';
  if (atLeast(call, '3.58') && call.can('group:group_project_attribute', callerTarget(call)))
    view.project_id = g.project_id;
  return view;
}

export function groupSnapshotSummary(gs: Pick<GroupSnapshotRow, 'id' | 'name' | 'group_type_id'>) {
  return { id: gs.id, name: gs.name, group_type_id: gs.group_type_id };
}

export function groupSnapshotDetail(call: ApiCall, gs: GroupSnapshotRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: gs.id,
    group_id: gs.group_id,
    group_type_id: gs.group_type_id,
    status: gs.status,
    created_at: cinderTime(gs.created_at),
    name: gs.name,
    description: gs.description,
  };
  if (
    atLeast(call, '3.58') &&
    call.can('group:group_snapshot_project_attribute', callerTarget(call))
  )
    view.project_id = gs.project_id;
  return view;
}
