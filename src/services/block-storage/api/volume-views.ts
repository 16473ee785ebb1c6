import { inRange, type Microversion } from '../../../core/http/index.ts';
import type { AttachmentRow } from '../store/attachments.ts';
import type { VolumeRow } from '../store/volumes.ts';

/** Admin metadata keys Cinder shows among a volume's metadata. */
export const VISIBLE_ADMIN_METADATA = ['readonly', 'attached_mode'] as const;

/** Stored time to Cinder's print form: `2024-05-01T10:00:00.123000` (UTC, no zone). */
export function cinderTime(stored: string): string;
export function cinderTime(stored: string | null): string | null;
export function cinderTime(stored: string | null): string | null {
  return stored === null ? null : stored.replace(/Z$/, '');
}

/** Who is looking and how they addressed us: decides links and the optional fields. */
export interface VolumeViewContext {
  readonly microversion: Microversion | undefined;
  /** scheme://host[:port] the client used. */
  readonly baseUrl: string;
  /** The project id in the request URL; links carry it only when the request did. */
  readonly urlProject: string | undefined;
  readonly isAdmin: boolean;
  /** A service user (Glance backed by Cinder) sees attachment host names as admins do. */
  readonly isService: boolean;
  readonly showHost: boolean;
  readonly showTenant: boolean;
  readonly showMigration: boolean;
  readonly showImageMetadata: boolean;
}

/** A volume with what its views show besides its row. */
export interface VolumeViewData {
  readonly volume: VolumeRow;
  readonly metadata: Readonly<Record<string, string>>;
  readonly adminMetadata: Readonly<Record<string, string>>;
  readonly imageMetadata: Readonly<Record<string, string>>;
  readonly typeName: string | null;
  readonly attachments: readonly AttachmentRow[];
}

const at = (ctx: VolumeViewContext, min: string) => ctx.microversion !== undefined && inRange(ctx.microversion, min);

export function volumeLinks(ctx: VolumeViewContext, id: string): Array<{ rel: string; href: string }> {
  const project = ctx.urlProject ? `/${ctx.urlProject}` : '';
  return [
    { rel: 'self', href: `${ctx.baseUrl}/v3${project}/volumes/${id}` },
    { rel: 'bookmark', href: `${ctx.baseUrl}${project}/volumes/${id}` },
  ];
}

/** Cinder's summary view (GET /volumes). */
export function volumeSummaryView(ctx: VolumeViewContext, v: VolumeRow) {
  return { id: v.id, name: v.name, links: volumeLinks(ctx, v.id) };
}

function attachmentsView(ctx: VolumeViewContext, rows: readonly AttachmentRow[]) {
  return rows
    .filter((a) => a.attach_status === 'attached')
    .map((a) => ({
      id: a.volume_id,
      attachment_id: a.id,
      volume_id: a.volume_id,
      server_id: a.instance_uuid,
      host_name: ctx.isAdmin || ctx.isService ? a.attached_host : null,
      device: a.mountpoint,
      attached_at: cinderTime(a.attached_at ?? null),
    }));
}

/**
 * Cinder's detailed view for the request's microversion. `extended` adds what Cinder's
 * extensions add to show and detail list only (host, tenant, migration status, image
 * metadata); create and update answers go without them.
 */
export function volumeDetailView(ctx: VolumeViewContext, data: VolumeViewData, extended = true): Record<string, unknown> {
  const v = data.volume;
  const metadata: Record<string, string> = { ...data.metadata };
  for (const key of VISIBLE_ADMIN_METADATA) {
    const value = data.adminMetadata[key];
    if (value !== undefined) metadata[key] = value;
  }
  const view: Record<string, unknown> = {
    id: v.id,
    status: v.status,
    size: Number(v.size),
    availability_zone: v.availability_zone,
    created_at: cinderTime(v.created_at),
    updated_at: cinderTime(v.updated_at),
    name: v.name,
    description: v.description,
    volume_type: data.typeName,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    metadata,
    links: volumeLinks(ctx, v.id),
    user_id: v.user_id,
    bootable: Number(v.bootable) === 1 ? 'true' : 'false',
    encrypted: false,
    replication_status: null,
    consistencygroup_id: null,
    multiattach: Number(v.multiattach) === 1,
    attachments: attachmentsView(ctx, data.attachments),
  };
  if (ctx.isAdmin) view.migration_status = v.migration_status;
  if (at(ctx, '3.13')) view.group_id = v.group_id;
  if (ctx.isAdmin && at(ctx, '3.21')) view.provider_id = null;
  if (at(ctx, '3.48')) {
    view.shared_targets = false;
    view.service_uuid = null;
  }
  if (ctx.isAdmin && at(ctx, '3.61')) view.cluster_name = null;
  if (at(ctx, '3.63')) view.volume_type_id = v.volume_type_id;
  if (at(ctx, '3.65')) view.consumes_quota = true;
  if (!extended) return view;
  if (ctx.showHost) view['os-vol-host-attr:host'] = v.host;
  if (ctx.showTenant) view['os-vol-tenant-attr:tenant_id'] = v.project_id;
  if (ctx.showMigration) {
    view['os-vol-mig-status-attr:migstat'] = v.migration_status;
    view['os-vol-mig-status-attr:name_id'] = null;
  }
  if (ctx.showImageMetadata && Object.keys(data.imageMetadata).length > 0) {
    view.volume_image_metadata = { ...data.imageMetadata };
  }
  return view;
}

/** GET /volumes/summary (3.12; metadata from 3.36). */
export function volumeSummaryTotalsView(
  ctx: VolumeViewContext,
  s: { count: number; totalSize: number; metadata: Record<string, string[]> },
) {
  const summary: Record<string, unknown> = { total_count: s.count, total_size: s.totalSize };
  if (at(ctx, '3.36')) summary.metadata = s.metadata;
  return { 'volume-summary': summary };
}
