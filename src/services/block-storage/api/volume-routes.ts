import { Type } from 'typebox';
import { ApiError } from '../../../core/errors/index.ts';
import { inRange, nextPageUrl, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { countVolumes, getVolume, listVolumes, volumeSummary } from '../store/volumes.ts';
import { createVolume } from '../volumes/create-volume.ts';
import { deleteVolume } from '../volumes/delete-volume.ts';
import { updateVolume } from '../volumes/volume-changes.ts';
import { volumeErrors } from '../volumes/volume-errors.ts';
import { callProject, callerTarget, projectScoped } from './project-paths.ts';
import { isAdminCall, visibleVolume, volumeTarget } from './volume-access.ts';
import { callerOf, volumeViewContext, volumeViewData } from './volume-call.ts';
import { parseVolumeListQuery } from './volume-list-query.ts';
import { volumeMetadataRoutes } from './volume-metadata-routes.ts';
import { CinderBoolean, CreateVolumeBody, ProjectParams, UpdateVolumeBody, VolumeParams, cinderBool } from './volume-schemas.ts';
import { volumeDetailView, volumeSummaryTotalsView, volumeSummaryView } from './volume-views.ts';

type CreateBody = {
  volume: {
    name?: string | null;
    description?: string | null;
    display_name?: string | null;
    display_description?: string | null;
    volume_type?: string | null;
    metadata?: Record<string, string> | null;
    snapshot_id?: string | null;
    source_volid?: string | null;
    size?: number | string | null;
    availability_zone?: string | null;
    multiattach?: boolean | string;
    image_id?: string | null;
    imageRef?: string | null;
    group_id?: string | null;
    backup_id?: string | null;
  };
};

type UpdateBody = {
  volume: {
    name?: string | null;
    description?: string | null;
    display_name?: string | null;
    display_description?: string | null;
    metadata?: Record<string, string>;
  };
};

const trimmed = (v: string | null | undefined) => (typeof v === 'string' ? v.trim() : v);

async function showVolume(env: BlockStorageEnv, call: ApiCall, id: string, extended = true) {
  const volume = await getVolume(env.db, id);
  if (!volume) throw blockStorageErrors.volumeNotFound(id);
  const [data] = await volumeViewData(env, [volume]);
  return { volume: volumeDetailView(volumeViewContext(call), data!, extended) };
}

async function listHandler(env: BlockStorageEnv, call: ApiCall, detail: boolean) {
  const q = parseVolumeListQuery(call.query as Record<string, unknown>, {
    microversion: call.microversion,
    isAdmin: isAdminCall(call),
    projectId: callProject(call),
    maxLimit: env.settings.osapi_max_limit,
  });
  let marker;
  if (q.marker !== undefined) {
    marker = await getVolume(env.db, q.marker);
    if (!marker || (q.filter.projectId !== undefined && marker.project_id !== q.filter.projectId)) {
      throw volumeErrors.markerNotFound(q.marker);
    }
  }
  const rows = q.matchesNothing ? [] : await listVolumes(env.db, q.filter, { sort: q.sort, marker, limit: q.limit, offset: q.offset });
  const ctx = volumeViewContext(call);
  const volumes = detail
    ? (await volumeViewData(env, rows)).map((d) => volumeDetailView(ctx, d))
    : rows.map((r) => volumeSummaryView(ctx, r));
  const body: Record<string, unknown> = { volumes };
  const count = q.withCount ? (q.matchesNothing ? 0 : await countVolumes(env.db, q.filter)) : undefined;
  const next = nextPageUrl(call.request.url, call.baseUrl, { limit: q.limit, count: rows.length, lastMarker: rows.at(-1)?.id });
  if (next) body.volumes_links = [{ rel: 'next', href: next }];
  if (count !== undefined) body.count = count;
  return body;
}

export function volumeRoutes(env: BlockStorageEnv): RouteSpec[] {
  const create = (body: typeof CreateVolumeBody.base, versions: { min?: string; max?: string }) =>
    projectScoped('/volumes', {
      method: 'POST',
      policy: 'volume:create',
      schema: { body, params: ProjectParams },
      status: 202,
      versions,
      async handler(call) {
        const v = (call.body as CreateBody).volume;
        const row = await createVolume(env, callerOf(call), {
          size: v.size,
          name: trimmed(v.name ?? v.display_name),
          description: trimmed(v.description ?? v.display_description),
          metadata: v.metadata,
          volumeType: v.volume_type,
          snapshotId: v.snapshot_id,
          sourceVolid: v.source_volid,
          imageRef: v.imageRef ?? v.image_id,
          backupId: v.backup_id,
          availabilityZone: v.availability_zone,
          groupId: v.group_id,
          multiattach: cinderBool(v.multiattach),
        });
        return showVolume(env, call, row.id, false);
      },
    });
  const update = (body: typeof UpdateVolumeBody.base, versions: { min?: string; max?: string }) =>
    projectScoped('/volumes/:volume_id', {
      method: 'PUT',
      policy: 'volume:update',
      schema: { body, params: VolumeParams },
      versions,
      target: async (call) => volumeTarget(await visibleVolume(env, call, call.params.volume_id)),
      async handler(call) {
        const v = (call.body as UpdateBody).volume;
        const volume = await visibleVolume(env, call, call.params.volume_id);
        const name = v.name !== undefined ? v.name : v.display_name;
        const description = v.description !== undefined ? v.description : v.display_description;
        await updateVolume(env, volume, {
          ...(name !== undefined ? { name: trimmed(name) } : {}),
          ...(description !== undefined ? { description: trimmed(description) } : {}),
          ...(v.metadata !== undefined ? { metadata: v.metadata } : {}),
        });
        return showVolume(env, call, volume.id, false);
      },
    });
  return [
    ...projectScoped('/volumes', {
      method: 'GET',
      policy: 'volume:get_all',
      schema: { params: ProjectParams },
      handler: (call) => listHandler(env, call, false),
    }),
    ...projectScoped('/volumes/detail', {
      method: 'GET',
      policy: 'volume:get_all',
      schema: { params: ProjectParams },
      handler: (call) => listHandler(env, call, true),
    }),
    ...projectScoped('/volumes/summary', {
      method: 'GET',
      policy: 'volume:get_all',
      schema: { params: ProjectParams },
      versions: { min: '3.12' },
      async handler(call) {
        const allTenants = isAdminCall(call) && cinderBool((call.query as { all_tenants?: string }).all_tenants ?? null);
        const s = await volumeSummary(env.db, allTenants ? undefined : callProject(call));
        return volumeSummaryTotalsView(volumeViewContext(call), s);
      },
    }),
    ...create(CreateVolumeBody.base, { max: '3.12' }),
    ...create(CreateVolumeBody.v313, { min: '3.13', max: '3.46' }),
    ...create(CreateVolumeBody.v347, { min: '3.47', max: '3.52' }),
    ...create(CreateVolumeBody.v353, { min: '3.53' }),
    ...projectScoped('/volumes/:volume_id', {
      method: 'GET',
      policy: 'volume:get',
      schema: { params: VolumeParams },
      target: async (call) => volumeTarget(await visibleVolume(env, call, call.params.volume_id)),
      handler: (call) => showVolume(env, call, call.params.volume_id),
    }),
    ...update(UpdateVolumeBody.base, { max: '3.52' }),
    ...update(UpdateVolumeBody.v353, { min: '3.53' }),
    ...projectScoped('/volumes/:volume_id', {
      method: 'DELETE',
      policy: 'volume:delete',
      schema: {
        params: VolumeParams,
        querystring: Type.Object({ cascade: Type.Optional(CinderBoolean), force: Type.Optional(CinderBoolean) }),
      },
      status: 202,
      target: async (call) => volumeTarget(await visibleVolume(env, call, call.params.volume_id)),
      async handler(call) {
        const volume = await visibleVolume(env, call, call.params.volume_id);
        const cascade = cinderBool(call.query.cascade);
        // force is a 3.23 parameter; before it, it is ignored.
        const force = call.microversion !== undefined && inRange(call.microversion, '3.23') && cinderBool(call.query.force);
        if (force) call.authorize('volume:force_delete', volumeTarget(volume));
        await deleteVolume(env, callerOf(call), volume, { cascade, force });
        return undefined;
      },
    }),
    // Cinder's router knows no other method on the collection: a PUT or DELETE without an id is 404.
    ...projectScoped('/volumes', {
      method: ['PUT', 'DELETE'],
      policy: 'volume:get',
      target: (call) => callerTarget(call),
      handler() {
        throw new ApiError(404, 'not_found', 'The resource could not be found.');
      },
    }),
    ...volumeMetadataRoutes(env),
  ];
}
