import type { ApiCall } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { attachmentsOfVolumes } from '../store/attachments.ts';
import { volumeTypeNames } from '../store/volume-type-refs.ts';
import { getVolumesMetadata, type VolumeRow } from '../store/volumes.ts';
import type { Caller } from '../volumes/caller.ts';
import { callProject } from './project-paths.ts';
import { isAdminCall } from './volume-access.ts';
import type { VolumeViewContext, VolumeViewData } from './volume-views.ts';

/** The caller of an HTTP call as the volume domain sees it. */
export function callerOf(call: ApiCall): Caller {
  return {
    projectId: callProject(call),
    userId: call.ctx.auth.userId,
    isAdmin: isAdminCall(call),
    token: call.ctx.token,
    requestId: call.requestId,
    authorize: (rule, target) => call.authorize(rule, target),
  };
}

/** Links, optional fields and microversion for volume views of this call. */
export function volumeViewContext(call: ApiCall): VolumeViewContext {
  const project = (call.params as { project_id?: unknown }).project_id;
  const target = { project_id: callProject(call) };
  return {
    microversion: call.microversion,
    baseUrl: call.baseUrl,
    urlProject: typeof project === 'string' ? project : undefined,
    isAdmin: isAdminCall(call),
    isService: call.ctx.auth.roles.some((r) => r.name === 'service'),
    showHost: call.can('volume_extension:volume_host_attribute', target),
    showTenant: call.can('volume_extension:volume_tenant_attribute', target),
    showMigration: call.can('volume_extension:volume_mig_status_attribute', target),
    showImageMetadata: call.can('volume_extension:volume_image_metadata:show', target),
  };
}

/** What the views of these volumes show besides their rows, in a few queries for the page. */
export async function volumeViewData(env: BlockStorageEnv, rows: readonly VolumeRow[]): Promise<VolumeViewData[]> {
  const ids = rows.map((r) => r.id);
  const [metadata, admin, image, attachments, types] = await Promise.all([
    getVolumesMetadata(env.db, 'user', ids),
    getVolumesMetadata(env.db, 'admin', ids),
    getVolumesMetadata(env.db, 'image', ids),
    attachmentsOfVolumes(env.db, ids),
    volumeTypeNames(env.db, rows.map((r) => r.volume_type_id)),
  ]);
  return rows.map((volume) => ({
    volume,
    metadata: metadata.get(volume.id) ?? {},
    adminMetadata: admin.get(volume.id) ?? {},
    imageMetadata: image.get(volume.id) ?? {},
    typeName: types.get(volume.volume_type_id) ?? null,
    attachments: attachments.get(volume.id) ?? [],
  }));
}
