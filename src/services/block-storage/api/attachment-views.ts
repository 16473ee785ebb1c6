import { fromDbJson } from '../../../core/db/index.ts';
import type { AttachmentRow } from '../store/attachments.ts';
import { cinderTime } from './volume-views.ts';

/** GET /attachments and what DELETE answers with. */
export function attachmentSummaryView(a: AttachmentRow) {
  return { id: a.id, status: a.attach_status, instance: a.instance_uuid, volume_id: a.volume_id };
}

/** GET /attachments/{id}, /attachments/detail, and the answers to create and update. */
export function attachmentDetailView(a: AttachmentRow) {
  return {
    ...attachmentSummaryView(a),
    attached_at: cinderTime(a.attached_at),
    // Rows are deleted on detach, so a shown attachment was never detached.
    detached_at: null,
    attach_mode: a.attach_mode,
    connection_info:
      a.connection_info === null ? {} : fromDbJson<Record<string, unknown>>(a.connection_info),
  };
}
