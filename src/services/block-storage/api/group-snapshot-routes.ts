import { Type } from 'typebox';
import type { ApiCall, RouteSpec } from '../../../core/http/index.ts';
import type { BlockStorageEnv } from '../env.ts';
import { blockStorageErrors } from '../errors.ts';
import {
  createGroupSnapshot,
  deleteGroupSnapshot,
  visibleGroup,
  visibleGroupSnapshot,
} from '../groups/group-operations.ts';
import {
  getGroupSnapshot,
  listGroupSnapshots,
  updateGroupSnapshot,
  type GroupSnapshotRow,
} from '../store/groups.ts';
import { Description, NullableName, Uuid } from './catalog-schemas.ts';
import { collectionLinks, listWindow, parseCinderList, singleFilter } from './cinder-list.ts';
import { groupSnapshotDetail, groupSnapshotSummary } from './group-views.ts';
import { projectScoped } from './project-paths.ts';
import { callerOf } from './volume-call.ts';

/** Group snapshots arrived in 3.14; their reset_status in 3.19. */
const VERSIONS = { min: '3.14' };
const STATUSES = [
  'error',
  'available',
  'creating',
  'deleting',
  'deleted',
  'updating',
  'error_deleting',
];

const Params = Type.Object({ group_snapshot_id: Type.String({ minLength: 1, maxLength: 255 }) });
const CreateBody = Type.Object(
  {
    group_snapshot: Type.Object(
      {
        group_id: Uuid,
        name: Type.Optional(NullableName),
        description: Type.Optional(Description),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const ResetBody = Type.Object(
  { reset_status: Type.Object({ status: Type.String() }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const SORT_COLUMNS = {
  created_at: { column: 'created_at' },
  id: { column: 'id' },
  name: { column: 'name', nullable: true },
  status: { column: 'status' },
  group_id: { column: 'group_id' },
};

async function list(env: BlockStorageEnv, call: ApiCall, detail: boolean) {
  const caller = callerOf(call);
  const params = parseCinderList(call, {
    sortColumns: SORT_COLUMNS,
    maxLimit: env.settings.osapi_max_limit,
  });
  let marker: GroupSnapshotRow | undefined;
  if (params.markerId !== undefined) {
    marker = await getGroupSnapshot(env.db, params.markerId);
    if (!marker) throw blockStorageErrors.groupSnapshotNotFound(params.markerId);
  }
  const rows = await listGroupSnapshots(
    env.db,
    {
      projectId: caller.isAdmin && params.allTenants ? undefined : caller.projectId,
      groupId: singleFilter(call.query, 'group_id'),
      name: singleFilter(call.query, 'name'),
      status: singleFilter(call.query, 'status'),
    },
    listWindow(params, marker),
  );
  const body: Record<string, unknown> = {
    group_snapshots: rows.map((gs) =>
      detail ? groupSnapshotDetail(call, gs) : { id: gs.id, name: gs.name },
    ),
  };
  const links = call.query.limit !== undefined ? collectionLinks(call, params, rows) : undefined;
  if (links) body.group_snapshot_links = links;
  return body;
}

/** Snapshots of every volume of a group at once (3.14+). */
export function groupSnapshotRoutes(env: BlockStorageEnv): RouteSpec[] {
  return [
    ...projectScoped('/group_snapshots', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get_all_group_snapshots',
      handler: (call) => list(env, call, false),
    }),
    ...projectScoped('/group_snapshots/detail', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get_all_group_snapshots',
      handler: (call) => list(env, call, true),
    }),
    ...projectScoped('/group_snapshots/:group_snapshot_id', {
      method: 'GET',
      versions: VERSIONS,
      policy: 'group:get_group_snapshot',
      schema: { params: Params },
      async handler(call) {
        const gs = await visibleGroupSnapshot(env, callerOf(call), call.params.group_snapshot_id);
        return { group_snapshot: groupSnapshotDetail(call, gs) };
      },
    }),
    ...projectScoped('/group_snapshots', {
      method: 'POST',
      versions: VERSIONS,
      policy: 'group:create_group_snapshot',
      schema: { body: CreateBody },
      status: 202,
      async handler(call) {
        const caller = callerOf(call);
        const input = call.body.group_snapshot;
        const group = await visibleGroup(
          env,
          caller,
          input.group_id,
          'group:create_group_snapshot',
        );
        const gs = await createGroupSnapshot(env, caller, group, {
          name: input.name?.trim() ?? null,
          description: input.description?.trim() ?? null,
        });
        return { group_snapshot: groupSnapshotSummary(gs) };
      },
    }),
    ...projectScoped('/group_snapshots/:group_snapshot_id', {
      method: 'DELETE',
      versions: VERSIONS,
      policy: 'group:delete_group_snapshot',
      schema: { params: Params },
      status: 202,
      async handler(call) {
        const caller = callerOf(call);
        const gs = await visibleGroupSnapshot(
          env,
          caller,
          call.params.group_snapshot_id,
          'group:delete_group_snapshot',
        );
        await deleteGroupSnapshot(env, caller, gs);
        return undefined;
      },
    }),
    ...projectScoped('/group_snapshots/:group_snapshot_id/action', {
      method: 'POST',
      versions: { min: '3.19' },
      policy: 'group:reset_group_snapshot_status',
      schema: { params: Params, body: ResetBody },
      status: 202,
      async handler(call) {
        const status = call.body.reset_status.status.trim().toLowerCase();
        if (status === '')
          throw blockStorageErrors.invalid(
            "Invalid group snapshot status: The 'status' can not be empty.",
          );
        if (!STATUSES.includes(status)) {
          throw blockStorageErrors.invalid(
            `Invalid group snapshot status: Group snapshot status: ${status} is invalid, valid statuses are: ${STATUSES.join(', ')}.`,
          );
        }
        const gs = await visibleGroupSnapshot(
          env,
          callerOf(call),
          call.params.group_snapshot_id,
          'group:reset_group_snapshot_status',
        );
        await updateGroupSnapshot(env.db, gs.id, { status });
        return undefined;
      },
    }),
  ];
}
