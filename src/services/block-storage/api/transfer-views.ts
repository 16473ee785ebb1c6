import { inRange, type ApiCall } from '../../../core/http/index.ts';
import type { TransferRow } from '../store/transfers.ts';
import { resourceLinks } from './resource-links.ts';
import { cinderTime } from './volume-views.ts';

// Cinder builds transfer links under this collection whichever path was called.
const COLLECTION = 'os-volume-transfer';

const at = (call: ApiCall, min: string) =>
  call.microversion !== undefined && inRange(call.microversion, min);

/** GET .../os-volume-transfer (and accept's answer). */
export function transferSummaryView(
  call: ApiCall,
  t: Pick<TransferRow, 'id' | 'volume_id' | 'name'>,
) {
  return {
    id: t.id,
    volume_id: t.volume_id,
    name: t.name,
    links: resourceLinks(call, COLLECTION, t.id),
  };
}

/** GET .../os-volume-transfer/{id} and /detail: no_snapshots from 3.55, the history fields from 3.57. */
export function transferDetailView(call: ApiCall, t: TransferRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: t.id,
    created_at: cinderTime(t.created_at),
    name: t.name,
    volume_id: t.volume_id,
    links: resourceLinks(call, COLLECTION, t.id),
  };
  if (at(call, '3.55')) view.no_snapshots = Number(t.no_snapshots) === 1;
  if (at(call, '3.57')) {
    view.destination_project_id = t.destination_project_id;
    view.source_project_id = t.source_project_id;
    view.accepted = Number(t.accepted) === 1;
  }
  return view;
}

/** The answer to a create: the detail fields and, this once, the auth key. */
export function transferCreatedView(
  call: ApiCall,
  t: TransferRow,
  authKey: string,
): Record<string, unknown> {
  return { ...transferDetailView(call, t), auth_key: authKey };
}
