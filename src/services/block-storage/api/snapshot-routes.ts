import { Type } from 'typebox';
import { badRequest } from '../../../core/errors/index.ts';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import { inRange } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import { metadataOf, type Metadata } from '../store/owned-metadata.ts';
import {
  countSnapshots,
  getSnapshot,
  listSnapshots,
  updateSnapshot,
  type SnapshotFilters,
  type SnapshotRow,
} from '../store/snapshots.ts';
import { createSnapshot, deleteSnapshot } from '../snapshots/snapshot-lifecycle.ts';
import { toDbTime } from '../../../core/db/index.ts';
import {
  CinderBool,
  cinderBool,
  Description,
  NullableName,
  specsObject,
  Uuid,
} from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { callProject, projectScoped } from './project-paths.ts';
import { snapshotTarget, visibleSnapshot } from './snapshot-access.ts';
import { snapshotActionRoutes } from './snapshot-action-routes.ts';
import { snapshotMetadataRoutes } from './snapshot-metadata-routes.ts';
import { snapshotDetailView, snapshotSummaryView } from './snapshot-views.ts';
import { callerOf } from './volume-call.ts';
import { parsePythonLiteral } from './python-literal.ts';
import { isAdminCall, visibleVolume, volumeTarget } from './volume-access.ts';

/** Snapshot metadata as bodies carry it (Cinder's metadata parameter type). */
export const SnapshotMetadata = specsObject('^[a-zA-Z0-9-_:. /]{1,255}$');

const ProjectParams = Type.Object({ project_id: Type.Optional(Type.String()) });
const SnapshotParams = Type.Object({
  project_id: Type.Optional(Type.String()),
  snapshot_id: Type.String(),
});

const CreateBody = Type.Object(
  {
    snapshot: Type.Object(
      {
        name: Type.Optional(NullableName),
        display_name: Type.Optional(NullableName),
        description: Type.Optional(Description),
        volume_id: Type.Union([Uuid, Type.Null()]),
        force: Type.Optional(CinderBool),
        metadata: Type.Optional(Type.Union([SnapshotMetadata, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    snapshot: Type.Object(
      {
        name: Type.Optional(NullableName),
        description: Type.Optional(Description),
        display_name: Type.Optional(NullableName),
        display_description: Type.Optional(Description),
      },
      {
        additionalProperties: false,
        anyOf: [
          { required: ['name'] },
          { required: ['description'] },
          { required: ['display_name'] },
          { required: ['display_description'] },
        ],
      },
    ),
  },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  id: { column: 'id' },
  created_at: { column: 'created_at' },
  updated_at: { column: 'updated_at', nullable: true },
  name: { column: 'name', nullable: true },
  display_name: { column: 'name', nullable: true },
  description: { column: 'description', nullable: true },
  display_description: { column: 'description', nullable: true },
  status: { column: 'status' },
  size: { column: 'size' },
  volume_size: { column: 'size' },
  volume_id: { column: 'volume_id' },
  project_id: { column: 'project_id' },
  user_id: { column: 'user_id' },
  progress: { column: 'progress' },
} as const;

const SNAPSHOT_IN_USE_FLAG_MSG =
  "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.";

/**
 * The `metadata` filter (3.22+) as Cinder reads it, a Python dict literal such as
 * `{'k': 'v'}`: its pairs, or `null` when the text is no dict (then nothing matches).
 */
export function parseMetadataFilter(raw: string | undefined): Metadata | null | undefined {
  if (raw === undefined) return undefined;
  const value = parsePythonLiteral(raw);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  // A nested dict or list matches no stored (string) value; String() of one could throw.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function canSeeExtended(call: ApiCall): boolean {
  return call.can('volume_extension:extended_snapshot_attributes', {
    project_id: callProject(call),
  });
}

async function withMetadata(env: BlockStorageEnv, rows: readonly SnapshotRow[]) {
  const metadata = await metadataOf(
    env.db,
    'block_storage_snapshot_metadata',
    rows.map((r) => r.id),
  );
  return rows.map((s) => ({ s, m: metadata.get(s.id) ?? {} }));
}

/** Snapshots: CRUD, the two lists, metadata, actions and the (unsupported) manage API. */
export function snapshotRoutes(env: BlockStorageEnv): RouteSpec[] {
  const list = (detail: boolean) =>
    projectScoped(detail ? '/snapshots/detail' : '/snapshots', {
      method: 'GET',
      policy: 'volume:get_all_snapshots',
      schema: { params: ProjectParams },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const params = parseCinderList(c, {
          sortColumns: SORT_COLUMNS,
          maxLimit: env.settings.osapi_max_limit,
        });
        const q = call.query;
        let filters: SnapshotFilters = {
          projectId: params.allTenants && isAdminCall(c) ? undefined : callProject(c),
          status: singleFilter(q, 'status'),
          volumeId: singleFilter(q, 'volume_id'),
          name: singleFilter(q, 'name') ?? singleFilter(q, 'display_name'),
        };
        const metadata =
          call.microversion && inRange(call.microversion, '3.22')
            ? parseMetadataFilter(singleFilter(q, 'metadata'))
            : undefined;
        if (metadata === null) filters = { ...filters, matchNothing: true };
        else if (metadata) filters = { ...filters, metadata };
        let marker: SnapshotRow | undefined;
        if (params.markerId !== undefined) {
          marker = await getSnapshot(env.db, params.markerId);
          if (
            !marker ||
            (filters.projectId !== undefined && marker.project_id !== filters.projectId)
          ) {
            throw blockStorageErrors.snapshotNotFound(params.markerId);
          }
        }
        const rows = await listSnapshots(env.db, filters, listWindow(params, marker));
        const extended = detail && canSeeExtended(c);
        const body: Record<string, unknown> = {
          snapshots: (await withMetadata(env, rows)).map(({ s, m }) =>
            detail
              ? snapshotDetailView(s, m, { microversion: call.microversion, extended })
              : snapshotSummaryView(s, m),
          ),
        };
        const links = collectionLinks(c, params, rows);
        if (links) body.snapshots_links = links;
        if (params.withCount) body.count = await countSnapshots(env.db, filters);
        return body;
      },
    });
  return [
    ...list(false),
    ...list(true),
    ...projectScoped('/snapshots', {
      method: 'POST',
      policy: 'volume:create_snapshot',
      status: 202,
      schema: { body: CreateBody, params: ProjectParams },
      async target(call) {
        const volumeId = (call.body as { snapshot: { volume_id: string | null } }).snapshot
          .volume_id;
        if (volumeId === null) throw blockStorageErrors.volumeNotFound('None');
        return volumeTarget(await visibleVolume(env, call as unknown as ApiCall, volumeId));
      },
      async handler(call) {
        const c = call as unknown as ApiCall;
        const input = call.body.snapshot;
        const volume = await visibleVolume(env, c, input.volume_id!);
        const v366 = call.microversion !== undefined && inRange(call.microversion, '3.66');
        const force = input.force === undefined ? undefined : cinderBool(input.force);
        if (v366 && force === false)
          throw badRequest(SNAPSHOT_IN_USE_FLAG_MSG, 'block_storage.invalid_force');
        const snapshot = await createSnapshot(env, callerOf(c), volume, {
          name: (input.name ?? input.display_name ?? null) as string | null,
          description: (input.description ?? null) as string | null,
          metadata: (input.metadata ?? {}) as Metadata,
          allowInUse: v366 || force === true,
        });
        return {
          snapshot: snapshotDetailView(snapshot, (input.metadata ?? {}) as Metadata, {
            microversion: call.microversion,
            extended: false,
          }),
        };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id', {
      method: 'GET',
      policy: 'volume:get_snapshot',
      schema: { params: SnapshotParams },
      target: async (call) =>
        snapshotTarget(
          await visibleSnapshot(env, call as unknown as ApiCall, call.params.snapshot_id),
        ),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const { s, m } = (
          await withMetadata(env, [await visibleSnapshot(env, c, call.params.snapshot_id)])
        )[0]!;
        return {
          snapshot: snapshotDetailView(s, m, {
            microversion: call.microversion,
            extended: canSeeExtended(c),
          }),
        };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id', {
      method: 'PUT',
      policy: 'volume:update_snapshot',
      schema: { body: UpdateBody, params: SnapshotParams },
      target: async (call) =>
        snapshotTarget(
          await visibleSnapshot(env, call as unknown as ApiCall, call.params.snapshot_id),
        ),
      async handler(call) {
        const c = call as unknown as ApiCall;
        const s = await visibleSnapshot(env, c, call.params.snapshot_id);
        const input = call.body.snapshot as Record<string, string | null | undefined>;
        const name = input.name !== undefined ? input.name : input.display_name;
        const description =
          input.description !== undefined ? input.description : input.display_description;
        const patch: Partial<SnapshotRow> = { updated_at: toDbTime(env.now()) };
        if (name !== undefined) patch.name = name;
        if (description !== undefined) patch.description = description;
        await updateSnapshot(env.db, s.id, patch);
        const { s: updated, m } = (
          await withMetadata(env, [(await getSnapshot(env.db, s.id)) ?? { ...s, ...patch }])
        )[0]!;
        return {
          snapshot: snapshotDetailView(updated, m, {
            microversion: call.microversion,
            extended: false,
          }),
        };
      },
    }),
    ...projectScoped('/snapshots/:snapshot_id', {
      method: 'DELETE',
      policy: 'volume:delete_snapshot',
      status: 202,
      schema: { params: SnapshotParams },
      target: async (call) =>
        snapshotTarget(
          await visibleSnapshot(env, call as unknown as ApiCall, call.params.snapshot_id),
        ),
      async handler(call) {
        const c = call as unknown as ApiCall;
        await deleteSnapshot(
          env,
          callerOf(c),
          await visibleSnapshot(env, c, call.params.snapshot_id),
          { force: false },
        );
      },
    }),
    ...snapshotMetadataRoutes(env),
    ...snapshotActionRoutes(env),
  ];
}
